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
 *   enterprise, with `admin:org`; organizations of managed enterprises are not served (404). Its errors, 403 and 404
 *   included, are SCIM error bodies (openapi-contract.md §7), so the mount names its dialect up front.
 * All are registered at the root and under `/api/v3` with every route family.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { findEnterprise, findEnterpriseWithRole } from '../../domain/accounts/accounts.ts';
import type { ScimTenant } from '../../domain/scim/types.ts';
import { ApiError, notFound } from '../../errors/api-error.ts';
import { enterpriseFor, orgFor, requireScopes } from '../../http/access.ts';
import { cachedRead } from '../../storage/read-cache.ts';
import { ScimError } from '../engine/index.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';
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
  /** Finds tenant and dialect and authorizes the caller: 404 for what they may not see, 403 for a missing scope. */
  resolve(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<ResolvedScim>;
}

/** GitHub rejects requests without a User-Agent; Gatehouse does so only with `config.strictScim` (idp-quirks.md §9.2). */
function checkUserAgent(ctx: AppContext, request: FastifyRequest): void {
  const agent = request.headers['user-agent'];
  if (ctx.config.strictScim && (agent === undefined || agent.trim() === '')) {
    throw new ApiError(403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header', { code: 'no_user_agent' });
  }
}

async function enterpriseTenant(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, enterprise: EnterpriseRow, dialect: ScimDialect, baseUrl: string): Promise<ResolvedScim> {
  checkUserAgent(ctx, request);
  const allowed = await enterpriseFor(ctx.db, request, reply, String(enterprise.id), { roles: ['owner'], scopes: dialect.scopes });
  return {
    dialect,
    tenant: { scope: `enterprise:${allowed.id}`, dialect: dialect.name, enterprise: allowed, org: null, baseUrl },
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
    const enterprise = await instanceEnterprise(ctx);
    if (enterprise?.kind !== 'managed') throw notFound();
    return enterpriseTenant(ctx, request, reply, enterprise, instanceDialect, `${request.apiBase}/scim/v2`);
  },
};

export const ENTERPRISE_MOUNT: ScimMount = {
  prefix: '/scim/v2/enterprises/:enterprise',
  async resolve(ctx, request, reply) {
    const { enterprise: slug } = request.params as { enterprise: string };
    const principal = request.principal;
    if (principal !== null) {
      // Every SCIM request: the enterprise and the caller's role in one query (`findEnterpriseWithRole`, as
      // `enterpriseFor` uses), then the same checks in the same order as below: unknown enterprise 404, no dialect
      // 404, User-Agent (strict) 403, not an owner 404 (site administrators see all), missing scope 403.
      const found = await findEnterpriseWithRole(ctx.db, slug, principal.user.id);
      if (found === undefined) throw notFound();
      const dialect = ENTERPRISE_DIALECTS[found.enterprise.kind];
      if (dialect === undefined) throw notFound();
      checkUserAgent(ctx, request);
      if (principal.user.site_admin !== 1 && found.role !== 'owner') throw notFound();
      requireScopes(request, reply, dialect.scopes);
      const allowed = found.enterprise;
      return {
        dialect,
        tenant: { scope: `enterprise:${allowed.id}`, dialect: dialect.name, enterprise: allowed, org: null, baseUrl: `${request.apiBase}/scim/v2/enterprises/${allowed.slug}` },
      };
    }
    const enterprise = await findEnterprise(ctx.db, slug);
    if (enterprise === undefined) throw notFound();
    const dialect = ENTERPRISE_DIALECTS[enterprise.kind];
    if (dialect === undefined) throw notFound();
    return enterpriseTenant(ctx, request, reply, enterprise, dialect, `${request.apiBase}/scim/v2/enterprises/${enterprise.slug}`);
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
    try {
      checkUserAgent(ctx, request);
      const org = await orgFor(ctx.db, request, reply, login, { roles: ['admin'], scopes: orgDialect.scopes });
      if (org.enterprise_id !== null) {
        const enterprise = await ctx.db.selectFrom('enterprises').select('kind').where('id', '=', org.enterprise_id).executeTakeFirst();
        if (enterprise?.kind === 'managed') throw notFound();
      }
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
