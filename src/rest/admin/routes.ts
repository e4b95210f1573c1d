/**
 * Administration a deployment needs before the enterprise APIs can be used, in GitHub's own shapes where GitHub has
 * them (GHES site admin): create users and organizations, mint tokens for a user. Creating enterprises and setting
 * enterprise roles have no GitHub REST equivalent; they are Gatehouse extensions under `/admin/enterprises`.
 * All of it requires a site administrator's token with the `site_admin` scope.
 *
 * Also here, for any authenticated caller as on GitHub: `GET /user` (the caller) and `GET /users/{username}` (any
 * account; its email only to itself and site administrators, see `mayReadEmail`), and `GET /authorizations/{id}`,
 * the `url` of a minted token, for the token's user and site administrators.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createAccessToken,
  findAccessToken,
  type AccessTokenRow,
  createEnterprise,
  createOrganization,
  createUser,
  deleteAccessToken,
  findEnterprise,
  findUserByLogin,
  setEnterpriseRole,
} from '../../domain/accounts/accounts.ts';
import { ApiError, notFound } from '../../errors/api-error.ts';
import { actorOf, principalOf, requireScopes } from '../../http/access.ts';
import type { UserRow } from '../../storage/tables.ts';
import { toEnterprise, toFullUser, toOrganizationSimple, toPrivateUser, toSimpleUser, type EmailViewer } from '../shapes.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-server@3.19/rest/enterprise-admin';

/** Site-admin endpoints are invisible (404) to everyone else, as on GHES. */
function requireSiteAdmin(request: FastifyRequest, reply: FastifyReply): void {
  if (principalOf(request).user.site_admin !== 1) throw notFound();
  requireScopes(request, reply, ['site_admin']);
}

/**
 * GitHub's `authorization` shape (https://docs.github.com/enterprise-server@3.19/rest/enterprise-admin/users#create-an-impersonation-oauth-token).
 * `token` is the secret only in the response that mints it; reads show `""`, as GitHub's do. `app.url` is the API
 * root, which Gatehouse serves.
 */
function toAuthorization(token: AccessTokenRow, user: UserRow, secret: string, apiBase: string, viewer: EmailViewer): Record<string, unknown> {
  return {
    id: token.id,
    url: `${apiBase}/authorizations/${token.id}`,
    scopes: token.scopes.split(/[\s,]+/).filter((s) => s !== ''),
    token: secret,
    token_last_eight: token.token_last_eight,
    hashed_token: null,
    app: { client_id: 'gatehouse', name: 'Gatehouse impersonation', url: apiBase },
    note: token.note,
    note_url: null,
    updated_at: token.created_at,
    created_at: token.created_at,
    fingerprint: null,
    user: toSimpleUser(user, apiBase, viewer),
    expires_at: token.expires_at,
  };
}

export function adminRoutes(app: FastifyInstance): void {
  const ctx = app.gh;

  app.post<{ Body: { login: string; email?: string; name?: string; site_admin?: boolean } }>(
    '/admin/users',
    {
      config: { docs: `${DOCS}/users#create-a-user` },
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          required: ['login'],
          properties: { login: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, site_admin: { type: 'boolean' } },
        },
      },
    },
    async (request, reply) => {
      requireSiteAdmin(request, reply);
      const { login, email, name, site_admin } = request.body;
      const user = await createUser(ctx, ctx.db, { login, email, name, siteAdmin: site_admin }, actorOf(request));
      return reply.code(201).send(toSimpleUser(user, request.apiBase, principalOf(request)));
    },
  );

  app.post<{ Body: { login: string; admin: string; profile_name?: string; enterprise?: string } }>(
    '/admin/organizations',
    {
      config: { docs: `${DOCS}/orgs#create-an-organization` },
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          required: ['login', 'admin'],
          properties: {
            login: { type: 'string' },
            admin: { type: 'string' },
            profile_name: { type: 'string' },
            enterprise: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      requireSiteAdmin(request, reply);
      const { login, admin, profile_name, enterprise } = request.body;
      const org = await createOrganization(
        ctx,
        { login, name: profile_name ?? null, adminLogin: admin, enterpriseSlug: enterprise },
        actorOf(request),
      );
      return reply.code(201).send(toOrganizationSimple(org, request.apiBase));
    },
  );

  app.post<{ Params: { username: string }; Body: { scopes?: string[]; note?: string } | undefined }>(
    '/admin/users/:username/authorizations',
    {
      config: { docs: `${DOCS}/users#create-an-impersonation-oauth-token` },
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          properties: { scopes: { type: 'array', items: { type: 'string' } }, note: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      requireSiteAdmin(request, reply);
      const user = await findUserByLogin(ctx.db, request.params.username);
      if (user === undefined) throw notFound();
      const issued = await createAccessToken(ctx, user, request.body?.scopes ?? [], request.body?.note ?? null, actorOf(request));
      const row = await findAccessToken(ctx.db, issued.id);
      if (row === undefined) throw notFound();
      return reply.code(201).send(toAuthorization(row.token, user, issued.token, request.apiBase, principalOf(request)));
    },
  );

  // The `url` of a minted token. GitHub Enterprise Server's OAuth Authorizations API
  // (https://docs.github.com/enterprise-server@3.19/rest/oauth-authorizations/oauth-authorizations#get-a-single-authorization):
  // the token's own user sees it, and so does a site administrator; to anyone else it does not exist (404).
  app.get<{ Params: { authorization_id: string } }>(
    '/authorizations/:authorization_id',
    { schema: { response: responses(200) }, config: { docs: 'https://docs.github.com/enterprise-server@3.19/rest/oauth-authorizations/oauth-authorizations#get-a-single-authorization' } },
    async (request) => {
      const principal = principalOf(request);
      const id = /^[1-9][0-9]{0,15}$/.test(request.params.authorization_id) ? Number(request.params.authorization_id) : undefined;
      const found = id === undefined || id > Number.MAX_SAFE_INTEGER ? undefined : await findAccessToken(ctx.db, id);
      if (found === undefined) throw notFound();
      const siteAdmin = principal.user.site_admin === 1 && principal.scopes.has('site_admin');
      if (found.user.id !== principal.user.id && !siteAdmin) throw notFound();
      return toAuthorization(found.token, found.user, '', request.apiBase, principal);
    },
  );

  // GHES: "Returns a 403 - Forbidden status when a personal access token is in use. For example, if you access this
  // endpoint with the same personal access token that you are trying to delete".
  app.delete<{ Params: { token_id: string } }>(
    '/admin/tokens/:token_id',
    { schema: { response: responses(204) }, config: { docs: `${DOCS}/users#delete-a-personal-access-token` } },
    async (request, reply) => {
      requireSiteAdmin(request, reply);
      // `{token_id}` is an integer; anything else names no token.
      if (!/^[1-9]\d{0,15}$/.test(request.params.token_id)) throw notFound();
      const tokenId = Number(request.params.token_id);
      if (principalOf(request).tokenId === tokenId) throw new ApiError(403, 'Cannot delete the token used for this request', { code: 'token_in_use' });
      if (!(await deleteAccessToken(ctx, tokenId, actorOf(request)))) throw notFound();
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { slug: string; name?: string; kind?: 'classic' | 'managed'; owner?: string; shortcode?: string } }>(
    '/admin/enterprises',
    {
      schema: {
        response: responses(201),
        body: {
          type: 'object',
          required: ['slug'],
          properties: {
            slug: { type: 'string' },
            name: { type: 'string' },
            kind: { type: 'string', enum: ['classic', 'managed'] },
            owner: { type: 'string' },
            shortcode: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      requireSiteAdmin(request, reply);
      const { slug, name, kind, owner, shortcode } = request.body;
      const enterprise = await createEnterprise(ctx, { slug, name, kind, ownerLogin: owner, shortcode }, actorOf(request));
      return reply.code(201).send(toEnterprise(enterprise, request.apiBase));
    },
  );

  app.put<{ Params: { enterprise: string; username: string }; Body: { role: 'owner' | 'billing_manager' | 'member' } }>(
    '/admin/enterprises/:enterprise/members/:username',
    {
      schema: {
        response: responses(204),
        body: {
          type: 'object',
          required: ['role'],
          properties: { role: { type: 'string', enum: ['owner', 'billing_manager', 'member'] } },
        },
      },
    },
    async (request, reply) => {
      requireSiteAdmin(request, reply);
      const enterprise = await findEnterprise(ctx.db, request.params.enterprise);
      const user = await findUserByLogin(ctx.db, request.params.username);
      if (enterprise === undefined || user === undefined) throw notFound();
      await setEnterpriseRole(ctx, ctx.db, enterprise, user, request.body.role, actorOf(request));
      return reply.code(204).send();
    },
  );

  // https://docs.github.com/rest/users/users#get-the-authenticated-user: any token, no scope needed.
  app.get('/user', { schema: { response: responses(200) }, config: { docs: 'https://docs.github.com/rest/users/users#get-the-authenticated-user' } }, async (request) => {
    const principal = principalOf(request);
    return toPrivateUser(principal.user, request.apiBase, principal);
  });

  // https://docs.github.com/rest/users/users#get-a-user: any authenticated caller; the email only where it may be read.
  app.get<{ Params: { username: string } }>(
    '/users/:username',
    { schema: { response: responses(200) }, config: { docs: 'https://docs.github.com/rest/users/users#get-a-user' } },
    async (request) => {
      const user = await findUserByLogin(ctx.db, request.params.username);
      if (user === undefined) throw notFound();
      return toFullUser(user, request.apiBase, principalOf(request));
    },
  );
}
