/**
 * Administration a deployment needs before the enterprise APIs can be used, in GitHub's own shapes where GitHub has
 * them (GHES site admin): create users and organizations, mint tokens for a user. Creating enterprises and setting
 * enterprise roles have no GitHub REST equivalent; they are Gatehouse extensions under `/admin/enterprises`.
 * All of it requires a site administrator's token with the `site_admin` scope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  createAccessToken,
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
import { toEnterprise, toFullUser, toOrganizationSimple, toPrivateUser, toSimpleUser } from '../shapes.ts';
import { responses } from '../../http/openapi.ts';

const DOCS = 'https://docs.github.com/enterprise-server@3.19/rest/enterprise-admin';

/** Site-admin endpoints are invisible (404) to everyone else, as on GHES. */
function requireSiteAdmin(request: FastifyRequest, reply: FastifyReply): void {
  if (principalOf(request).user.site_admin !== 1) throw notFound();
  requireScopes(request, reply, ['site_admin']);
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
      return reply.code(201).send(toSimpleUser(user, request.apiBase));
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
      return reply.code(201).send({
        id: issued.id,
        url: `${request.apiBase}/authorizations/${issued.id}`,
        scopes: issued.scopes,
        token: issued.token,
        token_last_eight: issued.token.slice(-8),
        hashed_token: null,
        app: { client_id: 'gatehouse', name: 'Gatehouse impersonation', url: request.apiBase },
        note: request.body?.note ?? null,
        note_url: null,
        updated_at: issued.createdAt,
        created_at: issued.createdAt,
        fingerprint: null,
        user: toSimpleUser(user, request.apiBase),
        expires_at: null,
      });
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

  app.get('/user', { schema: { response: responses(200) } }, async (request) => toPrivateUser(principalOf(request).user, request.apiBase));

  app.get<{ Params: { username: string } }>('/users/:username', { schema: { response: responses(200) } }, async (request) => {
    const user = await findUserByLogin(ctx.db, request.params.username);
    if (user === undefined) throw notFound();
    return toFullUser(user, request.apiBase);
  });
}
