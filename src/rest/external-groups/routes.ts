/**
 * External groups (docs.github.com/enterprise-cloud@latest/rest/teams/external-groups; openapi-contract.md §8):
 * - `GET /orgs/{org}/external-groups`: the enterprise's groups, `display_name` substring filter, cursor pages;
 * - `GET /orgs/{org}/external-group/{group_id}`: one group with its linked teams and a page of members;
 * - `GET|PATCH|DELETE /orgs/{org}/teams/{team_slug}/external-groups`: the team's connection.
 *
 * Access: the organization-level reads are for organization owners (enterprise owners of its enterprise and site
 * administrators too); the team endpoints also for the team's maintainers. Anyone else gets 404. Scopes (the docs
 * name only the fine-grained "Members" organization permission): reads need `read:org`, writes `admin:org`
 * (`admin:org` includes `read:org`); 403 with `X-Accepted-OAuth-Scopes` otherwise. An organization outside an
 * Enterprise Managed Users enterprise answers GitHub's 400 "This organization is not part of externally managed
 * enterprise." (src/domain/external-groups/README.md lists every decision).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  MAX_GROUP_ID,
  findLinkableTeam,
  getExternalGroup,
  linkExternalGroup,
  listExternalGroups,
  listTeamExternalGroups,
  unlinkExternalGroup,
  type GroupListInput,
} from '../../domain/external-groups/service.ts';
import { invalidRequest, notFound } from '../../errors/api-error.ts';
import { actorOf, orgFor, requireScopes } from '../../http/access.ts';
import { parsePage, setNextCursorLink } from '../../http/pagination.ts';
import { toExternalGroup, toExternalGroups } from './shapes.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/teams/external-groups';
const READ_SCOPES = ['read:org'];
const WRITE_SCOPES = ['admin:org'];
const OWNERS_READ = { roles: ['admin'] as const, scopes: READ_SCOPES };

interface TeamParams {
  org: string;
  team_slug: string;
}

const CURSOR_PREFIX = 'after:';

/** The `page` token of the list: opaque to clients, it names the last group id of the previous page. */
export function encodeGroupCursor(afterId: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${afterId}`, 'utf8').toString('base64url');
}

function decodeGroupCursor(token: string): number | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const match = /^after:(\d{1,10})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function firstString(value: unknown): string | undefined {
  if (Array.isArray(value)) return firstString(value[0]);
  return typeof value === 'string' ? value : undefined;
}

/**
 * `page` is typed integer but described as a "Page token": a number is a page index (GitHub's usual paging, for
 * clients that count pages), anything else must be a token from a `Link` header (422 otherwise).
 */
function parseGroupListQuery(query: Record<string, unknown>): GroupListInput {
  const { perPage } = parsePage(query);
  const page = firstString(query.page);
  const displayName = firstString(query.display_name);
  if (page === undefined || page === '') return { perPage, displayName };
  if (/^\d+$/.test(page)) return { perPage, displayName, page: Math.max(1, Math.min(Number(page), 1_000_000)) };
  const afterId = decodeGroupCursor(page);
  if (afterId === undefined) throw invalidRequest([`For 'page', "${page.slice(0, 64)}" is not a valid page token.`]);
  return { perPage, displayName, afterId };
}

function parseGroupId(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_GROUP_ID || Number(text) < 1) throw notFound();
  return Number(text);
}

/** The PATCH body's `group_id`: an integer as the schema says, or a string of digits as the examples print it. */
function parseBodyGroupId(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,10}$/.test(value)) return Number(value);
  throw invalidRequest([`For 'properties/group_id', ${JSON.stringify(value)} is not an integer.`]);
}

export function externalGroupsRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  /** Team endpoints: 404 unless owner standing or maintainer of the team, then the scope check (403). */
  const teamFor = async (request: FastifyRequest, reply: FastifyReply, p: TeamParams, scopes: readonly string[]) => {
    const found = await findLinkableTeam(ctx.db, p.org, p.team_slug, actorOf(request));
    requireScopes(request, reply, scopes);
    return found;
  };

  const membersPage = (request: FastifyRequest) => {
    const page = parsePage(request.query);
    return { limit: page.perPage, offset: page.offset };
  };

  app.get<{ Params: { org: string } }>(
    '/orgs/:org/external-groups',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}#list-external-groups-in-an-organization` } },
    async (request, reply) => {
      const org = await orgFor(ctx.db, request, reply, request.params.org, OWNERS_READ);
      const input = parseGroupListQuery((request.query ?? {}) as Record<string, unknown>);
      const { groups, nextAfterId } = await listExternalGroups(ctx.db, org, input);
      setNextCursorLink(request, reply, nextAfterId === undefined ? undefined : encodeGroupCursor(nextAfterId));
      return toExternalGroups(groups);
    },
  );

  app.get<{ Params: { org: string; group_id: string } }>(
    '/orgs/:org/external-group/:group_id',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}#get-an-external-group` } },
    async (request, reply) => {
      const org = await orgFor(ctx.db, request, reply, request.params.org, OWNERS_READ);
      const view = await getExternalGroup(ctx.db, org, parseGroupId(request.params.group_id), membersPage(request));
      return toExternalGroup(view);
    },
  );

  app.get<{ Params: TeamParams }>(
    '/orgs/:org/teams/:team_slug/external-groups',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}#list-a-connection-between-an-external-group-and-a-team` } },
    async (request, reply) => {
      const { org, team } = await teamFor(request, reply, request.params, READ_SCOPES);
      return toExternalGroups(await listTeamExternalGroups(ctx.db, org, team));
    },
  );

  app.patch<{ Params: TeamParams; Body: { group_id: unknown } }>(
    '/orgs/:org/teams/:team_slug/external-groups',
    {
      config: { docs: `${DOCS}#update-the-connection-between-an-external-group-and-a-team` },
      schema: { response: responses(200), body: { type: 'object', required: ['group_id'], properties: { group_id: { type: ['integer', 'string'] } } } },
    },
    async (request, reply) => {
      const { org, team } = await teamFor(request, reply, request.params, WRITE_SCOPES);
      const groupId = parseBodyGroupId(request.body.group_id);
      const view = await linkExternalGroup(ctx, org.login, team.slug, groupId, actorOf(request), membersPage(request));
      return reply.code(200).send(toExternalGroup(view));
    },
  );

  app.delete<{ Params: TeamParams }>(
    '/orgs/:org/teams/:team_slug/external-groups',
    { schema: { response: responses(204) }, config: { docs: `${DOCS}#remove-the-connection-between-an-external-group-and-a-team` } },
    async (request, reply) => {
      const { org, team } = await teamFor(request, reply, request.params, WRITE_SCOPES);
      await unlinkExternalGroup(ctx, org.login, team.slug, actorOf(request));
      return reply.code(204).send();
    },
  );
}
