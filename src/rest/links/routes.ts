/**
 * What the `*_url` fields of GitHub's account shapes name, so that every URL Gatehouse emits resolves. GitHub's
 * `simple-user` and `organization-simple` schemas require these fields (followers, gists, repositories, events…);
 * Gatehouse hosts none of that content, so each list is the honest answer for it: empty.
 *
 * - `hypermediaRoutes` (at the root and under `/api/v3`): `GET /users/{username}/{followers,following,gists,starred,
 *   subscriptions,orgs,repos,events,received_events}` and `GET /orgs/{org}/{repos,events,issues,public_members,hooks}`.
 *   `orgs` and `public_members` are empty because Gatehouse keeps every organization membership concealed (see
 *   src/rest/orgs/routes.ts); `hooks` is for organization owners with `admin:org_hook`, as on GitHub.
 * - `webRoutes` (at the root only, where `avatar_url` and `html_url` point, as on a GitHub Enterprise Server host):
 *   `GET /avatars/{u,o,e}/{id}` (an SVG identicon per account) and the minimal HTML pages `html_url` names:
 *   `GET /{login}` for users and organizations (public, as GitHub's profile pages), `GET /enterprises/{enterprise}`
 *   (its members and site administrators only).
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findEnterpriseWithRole, findOrganization, findUserByLogin } from '../../domain/accounts/accounts.ts';
import { notFound } from '../../errors/api-error.ts';
import { orgFor } from '../../http/access.ts';
import { responses } from '../../http/openapi.ts';
import type { Db } from '../../domain/context.ts';

const USER_LISTS = [
  ['followers', 'users/followers#list-followers-of-a-user'],
  ['following', 'users/followers#list-the-people-a-user-follows'],
  ['gists', 'gists/gists#list-gists-for-a-user'],
  ['starred', 'activity/starring#list-repositories-starred-by-a-user'],
  ['subscriptions', 'activity/watching#list-repositories-watched-by-a-user'],
  ['orgs', 'orgs/orgs#list-organizations-for-a-user'],
  ['repos', 'repos/repos#list-repositories-for-a-user'],
  ['events', 'activity/events#list-events-for-the-authenticated-user'],
  ['received_events', 'activity/events#list-events-received-by-the-authenticated-user'],
] as const;

const ORG_LISTS = [
  ['repos', 'repos/repos#list-organization-repositories'],
  ['events', 'activity/events#list-public-organization-events'],
  ['issues', 'issues/issues#list-organization-issues-assigned-to-the-authenticated-user'],
  ['public_members', 'orgs/members#list-public-organization-members'],
] as const;

const DOCS = 'https://docs.github.com/enterprise-cloud@latest/rest';

export function hypermediaRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  for (const [list, docs] of USER_LISTS) {
    app.get<{ Params: { username: string } }>(`/users/:username/${list}`, { schema: { response: responses(200) }, config: { docs: `${DOCS}/${docs}` } }, async (request) => {
      if ((await findUserByLogin(ctx.db, request.params.username)) === undefined) throw notFound();
      return [];
    });
  }

  for (const [list, docs] of ORG_LISTS) {
    app.get<{ Params: { org: string } }>(`/orgs/:org/${list}`, { schema: { response: responses(200) }, config: { docs: `${DOCS}/${docs}` } }, async (request) => {
      if ((await findOrganization(ctx.db, request.params.org)) === undefined) throw notFound();
      return [];
    });
  }

  // https://docs.github.com/enterprise-cloud@latest/rest/orgs/webhooks#list-organization-webhooks: owners, `admin:org_hook`.
  app.get<{ Params: { org: string } }>(
    '/orgs/:org/hooks',
    { schema: { response: responses(200) }, config: { docs: `${DOCS}/orgs/webhooks#list-organization-webhooks` } },
    async (request, reply) => {
      await orgFor(ctx.db, request, reply, request.params.org, { roles: ['admin'], scopes: ['admin:org_hook'] });
      return [];
    },
  );
}

/** A 5×5 mirrored identicon, in the manner of GitHub's default avatars, coloured and patterned from the account. */
function identicon(seed: string): string {
  const hash = crypto.createHash('sha256').update(seed).digest();
  const hue = Math.round(((hash[0] ?? 0) / 255) * 360);
  const cells: string[] = [];
  for (let row = 0; row < 5; row += 1) {
    for (let col = 0; col < 3; col += 1) {
      if (((hash[1 + row * 3 + col] ?? 0) & 1) === 0) continue;
      for (const x of col === 2 ? [2] : [col, 4 - col]) cells.push(`<rect x="${x * 70 + 35}" y="${row * 70 + 35}" width="70" height="70"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="420" viewBox="0 0 420 420"><rect width="420" height="420" fill="#f0f0f0"/><g fill="hsl(${hue} 55% 55%)">${cells.join('')}</g></svg>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(reply: FastifyReply, title: string, lines: readonly string[], avatar: string): FastifyReply {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><img src="${escapeHtml(avatar)}" width="96" height="96" alt=""><h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`;
  return reply.type('text/html; charset=utf-8').send(body);
}

async function accountExists(db: Db, kind: string, id: string): Promise<boolean> {
  if (!/^[1-9][0-9]{0,9}$/.test(id)) return false;
  const table = kind === 'u' ? 'users' : kind === 'o' ? 'organizations' : 'enterprises';
  const row = await db.selectFrom(table).select('id').where('id', '=', Number(id)).executeTakeFirst();
  return row !== undefined;
}

/** Pages a browser opens: no token needed, a token that is sent is used (its own rate-limit bucket). */
const WEB = { auth: 'optional' as const };

export function webRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  app.get<{ Params: { kind: string; id: string } }>('/avatars/:kind/:id', { schema: { response: responses(200) }, config: WEB }, async (request: FastifyRequest<{ Params: { kind: string; id: string } }>, reply) => {
    const { kind, id } = request.params;
    if (!['u', 'o', 'e'].includes(kind) || !(await accountExists(ctx.db, kind, id))) throw notFound();
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=300').send(identicon(`${kind}/${id}`));
  });

  app.get<{ Params: { login: string } }>('/:login', { schema: { response: responses(200) }, config: WEB }, async (request, reply) => {
    const origin = new URL(request.apiBase).origin;
    const user = await findUserByLogin(ctx.db, request.params.login);
    if (user !== undefined) return page(reply, user.login, user.name === null ? [] : [user.name], `${origin}/avatars/u/${user.id}`);
    const org = await findOrganization(ctx.db, request.params.login);
    if (org !== undefined) return page(reply, org.login, org.name === null ? [] : [org.name], `${origin}/avatars/o/${org.id}`);
    throw notFound();
  });

  // An enterprise's page is for its members (and site administrators); to anyone else, anonymous callers included,
  // it does not exist, as GitHub's enterprise pages.
  app.get<{ Params: { enterprise: string } }>('/enterprises/:enterprise', { schema: { response: responses(200) }, config: WEB }, async (request, reply) => {
    const principal = request.principal;
    if (principal === null) throw notFound();
    const found = await findEnterpriseWithRole(ctx.db, request.params.enterprise, principal.user.id);
    if (found === undefined || (found.role === undefined && principal.user.site_admin !== 1)) throw notFound();
    const { enterprise } = found;
    const origin = new URL(request.apiBase).origin;
    return page(reply, enterprise.name, [enterprise.slug], `${origin}/avatars/e/${enterprise.id}`);
  });
}
