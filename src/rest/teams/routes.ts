/**
 * Teams of an organization and their members (docs.github.com/enterprise-cloud@latest/rest/teams/teams and
 * …/rest/teams/members), at `/orgs/{org}/teams/{team_slug}…` and at GitHub's id-based aliases
 * `/organizations/{org_id}/team/{team_id}…` that the `url` fields point to.
 *
 * Access: the organization must be visible to the caller (a member, an owner, an owner of its enterprise or a site
 * administrator; otherwise 404), reads need `read:org` and writes `write:org` (`admin:org` includes both; 403
 * otherwise). Team-level rules (secret teams, maintainers) are the domain's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  MAX_ID,
  NOTIFICATION_SETTINGS,
  TEAM_PRIVACIES,
  TEAM_ROLES,
  addTeamMember,
  createTeam,
  deleteTeam,
  describeTeam,
  findTeamPath,
  findVisibleTeam,
  getTeamMembership,
  listTeamMembers,
  listVisibleTeams,
  removeTeamMember,
  updateTeam,
  type NotificationSetting,
  type TeamPrivacy,
  type TeamRole,
  type UpdateTeamInput,
} from '../../domain/teams/service.ts';
import { notFound, validationFailed } from '../../errors/api-error.ts';
import { actorOf, orgFor } from '../../http/access.ts';
import { parsePage, setLinkHeader } from '../../http/pagination.ts';
import type { Db } from '../../domain/context.ts';
import { toTeam, toTeamFull, toTeamMember, toTeamMembership } from './shapes.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest/teams';
const READ = { roles: ['admin', 'member'] as const, scopes: ['read:org'] };
const WRITE = { roles: ['admin', 'member'] as const, scopes: ['write:org'] };

interface TeamParams {
  org: string;
  team_slug: string;
}

interface CreateBody {
  name: string;
  description?: string | null;
  maintainers?: string[];
  repo_names?: string[];
  privacy?: TeamPrivacy;
  notification_setting?: NotificationSetting;
  permission?: string;
  parent_team_id?: number | null;
  parent_team_slug?: string | null;
}

type UpdateBody = Partial<CreateBody>;

const nullableString = { type: ['string', 'null'] };
const teamBodyProperties = {
  name: { type: 'string' },
  description: nullableString,
  maintainers: { type: 'array', items: { type: 'string' } },
  repo_names: { type: 'array', items: { type: 'string' } },
  privacy: { type: 'string', enum: TEAM_PRIVACIES },
  notification_setting: { type: 'string', enum: NOTIFICATION_SETTINGS },
  permission: { type: 'string' },
  parent_team_id: { type: ['integer', 'null'] },
  parent_team_slug: nullableString,
};

/** Parses an id path segment; anything that cannot be an id is simply not found. */
function parseId(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_ID) throw notFound();
  return Number(text);
}

/** Maps `/organizations/{org_id}/team/{team_id}` to the organization login and team slug. */
async function aliasParams(db: Db, params: { org_id: string; team_id: string }): Promise<TeamParams> {
  const path = await findTeamPath(db, parseId(params.org_id), parseId(params.team_id));
  if (path === undefined) throw notFound();
  return { org: path.orgLogin, team_slug: path.slug };
}

function queryOf(request: FastifyRequest): Record<string, unknown> {
  return (request.query ?? {}) as Record<string, unknown>;
}

/** `role` filter of the members list: all (default), member or maintainer. */
function parseRoleFilter(value: unknown): TeamRole | undefined {
  if (value === undefined || value === 'all') return undefined;
  if (typeof value === 'string' && (TEAM_ROLES as readonly string[]).includes(value)) return value as TeamRole;
  throw validationFailed([{ resource: 'TeamMember', field: 'role', code: 'invalid', message: 'role must be one of: all, member, maintainer' }]);
}

export function teamsRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  const getTeam = async (request: FastifyRequest, reply: FastifyReply, p: TeamParams) => {
    const org = await orgFor(ctx.db, request, reply, p.org, READ);
    const { team } = await findVisibleTeam(ctx.db, org.login, p.team_slug, actorOf(request));
    return toTeamFull(await describeTeam(ctx.db, org, team), request.apiBase);
  };

  const patchTeam = async (request: FastifyRequest<{ Body: UpdateBody | undefined }>, reply: FastifyReply, p: TeamParams) => {
    const org = await orgFor(ctx.db, request, reply, p.org, WRITE);
    const body = request.body ?? {};
    const input: UpdateTeamInput = {
      name: body.name,
      description: body.description,
      privacy: body.privacy,
      permission: body.permission,
      notificationSetting: body.notification_setting,
    };
    if ('parent_team_id' in body) input.parent = { id: body.parent_team_id ?? null };
    else if ('parent_team_slug' in body) input.parent = { slug: body.parent_team_slug ?? null };
    const team = await updateTeam(ctx, org.login, p.team_slug, input, actorOf(request));
    return reply.code(200).send(toTeamFull(await describeTeam(ctx.db, org, team), request.apiBase));
  };

  const destroyTeam = async (request: FastifyRequest, reply: FastifyReply, p: TeamParams) => {
    const org = await orgFor(ctx.db, request, reply, p.org, WRITE);
    await deleteTeam(ctx, org.login, p.team_slug, actorOf(request));
    return reply.code(204).send();
  };

  const listMembers = async (request: FastifyRequest, reply: FastifyReply, p: TeamParams) => {
    const org = await orgFor(ctx.db, request, reply, p.org, READ);
    const query = queryOf(request);
    const role = parseRoleFilter(query.role);
    const page = parsePage(query);
    const { members, total } = await listTeamMembers(ctx.db, org.login, p.team_slug, role, page.perPage, page.offset, actorOf(request));
    setLinkHeader(request, reply, page, total);
    return members.map((m) => toTeamMember(m, request.apiBase));
  };

  const getMembership = async (request: FastifyRequest, reply: FastifyReply, p: TeamParams, username: string) => {
    const org = await orgFor(ctx.db, request, reply, p.org, READ);
    const { team, user, membership } = await getTeamMembership(ctx.db, org.login, p.team_slug, username, actorOf(request));
    return toTeamMembership(org, team, user, membership, request.apiBase);
  };

  const putMembership = async (
    request: FastifyRequest<{ Body: { role?: TeamRole } | undefined }>,
    reply: FastifyReply,
    p: TeamParams,
    username: string,
  ) => {
    const org = await orgFor(ctx.db, request, reply, p.org, WRITE);
    const role = request.body?.role ?? 'member';
    const { team, user, membership } = await addTeamMember(ctx, org.login, p.team_slug, username, role, actorOf(request));
    return reply.code(200).send(toTeamMembership(org, team, user, membership, request.apiBase));
  };

  const deleteMembership = async (request: FastifyRequest, reply: FastifyReply, p: TeamParams, username: string) => {
    const org = await orgFor(ctx.db, request, reply, p.org, WRITE);
    await removeTeamMember(ctx, org.login, p.team_slug, username, actorOf(request));
    return reply.code(204).send();
  };

  const membershipBody = {
    body: { type: ['object', 'null'], properties: { role: { type: 'string', enum: TEAM_ROLES } } },
  };
  const updateSchema = { body: { type: ['object', 'null'], properties: teamBodyProperties } };

  app.get<{ Params: { org: string } }>('/orgs/:org/teams', { schema: { response: responses(200) }, config: { docs: `${DOCS}/teams#list-teams` } }, async (request, reply) => {
    const org = await orgFor(ctx.db, request, reply, request.params.org, READ);
    const query = queryOf(request);
    const teamType = query.team_type ?? 'all';
    if (teamType !== 'all' && teamType !== 'organization' && teamType !== 'enterprise') {
      throw validationFailed([{ resource: 'Team', field: 'team_type', code: 'invalid', message: 'team_type must be one of: all, enterprise, organization' }]);
    }
    const page = parsePage(query);
    // Gatehouse has organization teams only; enterprise teams are never listed.
    if (teamType === 'enterprise') return [];
    const { teams, parents, total } = await listVisibleTeams(ctx.db, org, actorOf(request), page.perPage, page.offset);
    setLinkHeader(request, reply, page, total);
    return teams.map((team) => toTeam(org, team, team.parent_id === null ? undefined : parents.get(team.parent_id), request.apiBase));
  });

  app.post<{ Params: { org: string }; Body: CreateBody }>(
    '/orgs/:org/teams',
    {
      config: { docs: `${DOCS}/teams#create-a-team` },
      schema: { response: responses(201), body: { type: 'object', required: ['name'], properties: teamBodyProperties } },
    },
    async (request, reply) => {
      const org = await orgFor(ctx.db, request, reply, request.params.org, WRITE);
      const body = request.body;
      const team = await createTeam(
        ctx,
        org.login,
        {
          name: body.name,
          description: body.description,
          privacy: body.privacy,
          permission: body.permission,
          notificationSetting: body.notification_setting,
          parentId: body.parent_team_id ?? undefined,
          parentSlug: body.parent_team_id === undefined || body.parent_team_id === null ? (body.parent_team_slug ?? undefined) : undefined,
          maintainers: body.maintainers,
          repoNames: body.repo_names,
        },
        actorOf(request),
      );
      return reply.code(201).send(toTeamFull(await describeTeam(ctx.db, org, team), request.apiBase));
    },
  );

  // By slug.
  type BySlug = { Params: TeamParams };
  type BySlugUser = { Params: TeamParams & { username: string } };
  app.get<BySlug>('/orgs/:org/teams/:team_slug', { schema: { response: responses(200) }, config: { docs: `${DOCS}/teams#get-a-team-by-name` } }, (request, reply) =>
    getTeam(request, reply, request.params),
  );
  app.patch<BySlug & { Body: UpdateBody | undefined }>(
    '/orgs/:org/teams/:team_slug',
    { config: { docs: `${DOCS}/teams#update-a-team` }, schema: { ...updateSchema, response: responses(200) } },
    (request, reply) => patchTeam(request, reply, request.params),
  );
  app.delete<BySlug>('/orgs/:org/teams/:team_slug', { schema: { response: responses(204) }, config: { docs: `${DOCS}/teams#delete-a-team` } }, (request, reply) =>
    destroyTeam(request, reply, request.params),
  );
  app.get<BySlug>('/orgs/:org/teams/:team_slug/members', { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#list-team-members` } }, (request, reply) =>
    listMembers(request, reply, request.params),
  );
  app.get<BySlugUser>(
    '/orgs/:org/teams/:team_slug/memberships/:username',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#get-team-membership-for-a-user` } },
    (request, reply) => getMembership(request, reply, request.params, request.params.username),
  );
  app.put<BySlugUser & { Body: { role?: TeamRole } | undefined }>(
    '/orgs/:org/teams/:team_slug/memberships/:username',
    { config: { docs: `${DOCS}/members#add-or-update-team-membership-for-a-user` }, schema: { ...membershipBody, response: responses(200) } },
    (request, reply) => putMembership(request, reply, request.params, request.params.username),
  );
  app.delete<BySlugUser>(
    '/orgs/:org/teams/:team_slug/memberships/:username',
    { schema: { response: responses(204) }, config: { docs: `${DOCS}/members#remove-team-membership-for-a-user` } },
    (request, reply) => deleteMembership(request, reply, request.params, request.params.username),
  );

  // A team's `repositories_url`: Gatehouse hosts no repositories, so a team it shows has none
  // (https://docs.github.com/enterprise-cloud@latest/rest/teams/teams#list-team-repositories).
  const listRepos = async (request: FastifyRequest, reply: FastifyReply, p: TeamParams) => {
    const org = await orgFor(ctx.db, request, reply, p.org, READ);
    await findVisibleTeam(ctx.db, org.login, p.team_slug, actorOf(request));
    return [];
  };
  app.get<BySlug>('/orgs/:org/teams/:team_slug/repos', { schema: { response: responses(200) }, config: { docs: `${DOCS}/teams#list-team-repositories` } }, (request, reply) =>
    listRepos(request, reply, request.params),
  );

  // By id: the paths the `url` fields name.
  type ById = { Params: { org_id: string; team_id: string } };
  type ByIdUser = { Params: { org_id: string; team_id: string; username: string } };
  const byId = '/organizations/:org_id/team/:team_id';
  app.get<ById>(byId, { schema: { response: responses(200) }, config: { docs: `${DOCS}/teams#get-a-team-by-name` } }, async (request, reply) =>
    getTeam(request, reply, await aliasParams(ctx.db, request.params)),
  );
  app.patch<ById & { Body: UpdateBody | undefined }>(byId, { config: { docs: `${DOCS}/teams#update-a-team` }, schema: { ...updateSchema, response: responses(200) } }, async (request, reply) =>
    patchTeam(request, reply, await aliasParams(ctx.db, request.params)),
  );
  app.delete<ById>(byId, { schema: { response: responses(204) }, config: { docs: `${DOCS}/teams#delete-a-team` } }, async (request, reply) =>
    destroyTeam(request, reply, await aliasParams(ctx.db, request.params)),
  );
  app.get<ById>(`${byId}/repos`, { schema: { response: responses(200) }, config: { docs: `${DOCS}/teams#list-team-repositories` } }, async (request, reply) =>
    listRepos(request, reply, await aliasParams(ctx.db, request.params)),
  );
  app.get<ById>(`${byId}/members`, { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#list-team-members` } }, async (request, reply) =>
    listMembers(request, reply, await aliasParams(ctx.db, request.params)),
  );
  app.get<ByIdUser>(`${byId}/memberships/:username`, { schema: { response: responses(200) }, config: { docs: `${DOCS}/members#get-team-membership-for-a-user` } }, async (request, reply) =>
    getMembership(request, reply, await aliasParams(ctx.db, request.params), request.params.username),
  );
  app.put<ByIdUser & { Body: { role?: TeamRole } | undefined }>(
    `${byId}/memberships/:username`,
    { config: { docs: `${DOCS}/members#add-or-update-team-membership-for-a-user` }, schema: { ...membershipBody, response: responses(200) } },
    async (request, reply) => putMembership(request, reply, await aliasParams(ctx.db, request.params), request.params.username),
  );
  app.delete<ByIdUser>(
    `${byId}/memberships/:username`,
    { schema: { response: responses(204) }, config: { docs: `${DOCS}/members#remove-team-membership-for-a-user` } },
    async (request, reply) => deleteMembership(request, reply, await aliasParams(ctx.db, request.params), request.params.username),
  );
}
