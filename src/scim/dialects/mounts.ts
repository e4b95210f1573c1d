/**
 * Where SCIM is served and which dialect answers (the routing half of the seam described in `dialect.ts`):
 * - `/scim/v2` — the instance's own enterprise (GHES: `https://HOST/api/v3/scim/v2/`,
 *   https://docs.github.com/enterprise-server@latest/rest/enterprise-admin/scim): the enterprise named by
 *   `config.instanceEnterprise`, else the first managed enterprise by id; 404 when there is none. Always the
 *   managed dialect as GitHub Enterprise Server has it (`instanceDialect`: no shortcode, existing accounts linked,
 *   GHES's role spellings); a configured enterprise that is not `managed` is not served there (404). The same
 *   enterprise at `/scim/v2/enterprises/{slug}` is served as Enterprise Managed Users: the path decides the product.
 * - `/scim/v2/enterprises/:enterprise` — any enterprise (slug or id), answered by the dialect registered for its
 *   `kind` in `ENTERPRISE_DIALECTS`; an enterprise whose kind has no dialect yet answers 404.
 * - `/scim/v2/organizations/:org` — organization SCIM (the org dialect): an organization's owner, or an owner of its
 *   enterprise, with `admin:org`; organizations of managed enterprises are not served (404); an organization member
 *   who is not an owner gets 403, anyone else 404. Its errors, 403 and 404 included, are SCIM error bodies
 *   (https://docs.github.com/enterprise-cloud@latest/rest/scim/scim), so the mount names its dialect up front.
 * On the enterprise mounts, an enterprise member who is not an owner gets 403 (a SCIM error body) and anyone else
 * 404 (`enterpriseTenant`).
 * All are registered at the root and under `/api/v3` with every route family.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { findEnterprise, findEnterpriseWithRole, findOrganizationWithRoles } from '../../domain/accounts/accounts.ts';
import type { ScimTenant } from '../../domain/scim/types.ts';
import { ApiError, notFound } from '../../errors/api-error.ts';
import { isEnterpriseMember, principalOf, requireScopes } from '../../http/access.ts';
import { cachedRead } from '../../storage/read-cache.ts';
import { ScimError } from '../engine/index.ts';
import type { EnterpriseRole, EnterpriseRow } from '../../storage/tables.ts';
import type { ScimDialect } from './dialect.ts';
import { classicDialect } from './classic.ts';
import { instanceDialect, managedDialect } from './managed.ts';
import { orgDialect } from './org.ts';

/** The dialect serving `/scim/v2/enterprises/{enterprise}` for each enterprise kind. */
export const ENTERPRISE_DIALECTS: Readonly<Partial<Record<EnterpriseRow['kind'], ScimDialect>>> = {
  managed: managedDialect,
  classic: classicDialect,
};

export interface ResolvedScim {
  readonly dialect: ScimDialect;
  readonly tenant: ScimTenant;
}

export interface ScimMount {
  /** Route prefix below the API root (Fastify syntax for parameters). */
  readonly prefix: string;
  /**
   * The dialect, when the mount has only one: errors raised while resolving (404, 403) are then rendered in its
   * style rather than the enterprise default.
   */
  readonly dialect?: ScimDialect;
  /**
   * Finds tenant and dialect and authorizes the caller: 404 for what they may not see, 403 (SCIM error) for a member
   * who is not an owner, 403 for a missing scope.
   */
  resolve(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<ResolvedScim>;
}

/** GitHub rejects requests without a User-Agent; Gatehouse does so only with `config.strictScim` (idp-quirks.md §9.2). */
function checkUserAgent(ctx: AppContext, request: FastifyRequest): void {
  const agent = request.headers['user-agent'];
  if (ctx.config.strictScim && (agent === undefined || agent.trim() === '')) {
    throw new ApiError(403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header', { code: 'no_user_agent' });
  }
}

/**
 * GitHub documents 403 for a caller who is not an owner ("You must authenticate as an owner of a GitHub enterprise to
 * use its SCIM API", seed 000); Gatehouse answers it, as a SCIM error, to whoever can see the enterprise (a member who
 * is not an owner) and keeps 404 for everyone else, so that existence does not leak.
 */
export const ENTERPRISE_OWNER_REQUIRED = 'You must authenticate as an owner of the enterprise to use its SCIM API';
export const ORG_OWNER_REQUIRED = 'You must authenticate as an owner of the organization to use its SCIM API';

/**
 * Authorizes the caller for an enterprise's SCIM, in this order: User-Agent (strict) 403; not an owner: 403 (SCIM
 * error) for an enterprise member, else 404 (site administrators see all); missing scope 403.
 */
async function enterpriseTenant(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  found: { enterprise: EnterpriseRow; role: EnterpriseRole | undefined },
  dialect: ScimDialect,
  baseUrl: string,
): Promise<ResolvedScim> {
  const principal = principalOf(request);
  checkUserAgent(ctx, request);
  const { enterprise } = found;
  if (principal.user.site_admin !== 1 && found.role !== 'owner') {
    if (await isEnterpriseMember(ctx.db, enterprise.id, principal.user.id, found.role)) throw new ScimError(403, ENTERPRISE_OWNER_REQUIRED);
    throw notFound();
  }
  requireScopes(request, reply, dialect.scopes);
  return {
    dialect,
    tenant: { scope: `enterprise:${enterprise.id}`, dialect: dialect.name, enterprise, org: null, baseUrl },
  };
}

/** The enterprise instance SCIM serves (`config.instanceEnterprise`, else the first managed one). */
async function instanceEnterprise(ctx: AppContext): Promise<EnterpriseRow | undefined> {
  const configured = ctx.config.instanceEnterprise;
  return cachedRead(ctx.db, `instance-enterprise\u0000${configured ?? ''}`, () =>
    configured !== undefined
      ? findEnterprise(ctx.db, configured)
      : ctx.db.selectFrom('enterprises').selectAll().where('kind', '=', 'managed').orderBy('id').limit(1).executeTakeFirst(),
  );
}

export const INSTANCE_MOUNT: ScimMount = {
  prefix: '/scim/v2',
  async resolve(ctx, request, reply) {
    const principal = principalOf(request);
    const enterprise = await instanceEnterprise(ctx);
    if (enterprise?.kind !== 'managed') throw notFound();
    const found = await findEnterpriseWithRole(ctx.db, String(enterprise.id), principal.user.id);
    if (found === undefined) throw notFound();
    return enterpriseTenant(ctx, request, reply, found, instanceDialect, `${request.apiBase}/scim/v2`);
  },
};

export const ENTERPRISE_MOUNT: ScimMount = {
  prefix: '/scim/v2/enterprises/:enterprise',
  async resolve(ctx, request, reply) {
    const { enterprise: slug } = request.params as { enterprise: string };
    const principal = principalOf(request);
    // Every SCIM request: the enterprise and the caller's role in one query (read-cached), then unknown enterprise
    // 404, no dialect 404, and the checks of `enterpriseTenant`.
    const found = await findEnterpriseWithRole(ctx.db, slug, principal.user.id);
    if (found === undefined) throw notFound();
    const dialect = ENTERPRISE_DIALECTS[found.enterprise.kind];
    if (dialect === undefined) throw notFound();
    return enterpriseTenant(ctx, request, reply, found, dialect, `${request.apiBase}/scim/v2/enterprises/${found.enterprise.slug}`);
  },
};

/** A 404 or 403 of the REST access checks as the SCIM error the org contract documents (same status and headers). */
function asScimError(error: unknown): unknown {
  if (error instanceof ApiError && (error.status === 404 || error.status === 403)) return new ScimError(error.status, error.message);
  return error;
}

export const ORG_MOUNT: ScimMount = {
  prefix: '/scim/v2/organizations/:org',
  dialect: orgDialect,
  async resolve(ctx, request, reply) {
    const { org: login } = request.params as { org: string };
    const principal = principalOf(request);
    try {
      checkUserAgent(ctx, request);
      // The organization and the caller's roles in it and in its enterprise in one query (read-cached); unknown 404;
      // not an owner (of it or its enterprise; site administrators see all) 404 unless a member; organizations of
      // managed enterprises are not served (404); a member who is not an owner 403; missing scope 403.
      const found = await findOrganizationWithRoles(ctx.db, login, principal.user.id);
      if (found === undefined) throw notFound();
      const { org } = found;
      const owner = principal.user.site_admin === 1 || found.role === 'admin' || found.enterpriseOwner;
      if (!owner && found.role === undefined) throw notFound();
      if (org.enterprise_id !== null) {
        const enterprise = await ctx.db.selectFrom('enterprises').select('kind').where('id', '=', org.enterprise_id).executeTakeFirst();
        if (enterprise?.kind === 'managed') throw notFound();
      }
      if (!owner) throw new ScimError(403, ORG_OWNER_REQUIRED);
      requireScopes(request, reply, orgDialect.scopes);
      return {
        dialect: orgDialect,
        tenant: { scope: `org:${org.id}`, dialect: 'org', enterprise: null, org, baseUrl: `${request.apiBase}/scim/v2/organizations/${org.login}` },
      };
    } catch (error) {
      throw asScimError(error);
    }
  },
};

/** Every SCIM mount. */
export const SCIM_MOUNTS: readonly ScimMount[] = [INSTANCE_MOUNT, ENTERPRISE_MOUNT, ORG_MOUNT];
