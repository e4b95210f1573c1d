/**
 * Where SCIM is served and which dialect answers (the routing half of the seam described in `dialect.ts`):
 * - `/scim/v2` — the instance's own enterprise (GHES: `https://HOST/api/v3/scim/v2/`, seed 002): the enterprise named
 *   by `config.instanceEnterprise`, else the first managed enterprise by id; 404 when there is none. Always the
 *   managed dialect (instance SCIM is GHES's, which has managed semantics); a configured enterprise that is not
 *   `managed` is not served there (404).
 * - `/scim/v2/enterprises/:enterprise` — any enterprise (slug or id), answered by the dialect registered for its
 *   `kind` in `ENTERPRISE_DIALECTS`; an enterprise whose kind has no dialect yet answers 404.
 * Both are registered at the root and under `/api/v3` with every route family.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { findEnterprise } from '../../domain/accounts/accounts.ts';
import type { ScimTenant } from '../../domain/scim/types.ts';
import { ApiError, notFound } from '../../errors/api-error.ts';
import { enterpriseFor } from '../../http/access.ts';
import type { EnterpriseRow } from '../../storage/tables.ts';
import type { ScimDialect } from './dialect.ts';
import { managedDialect } from './managed.ts';

/**
 * The dialect serving `/scim/v2/enterprises/{enterprise}` for each enterprise kind. The classic dialect registers
 * itself here (`classic: classicDialect`); until then classic enterprises answer 404 on that path.
 */
export const ENTERPRISE_DIALECTS: Readonly<Partial<Record<EnterpriseRow['kind'], ScimDialect>>> = {
  managed: managedDialect,
};

export interface ResolvedScim {
  readonly dialect: ScimDialect;
  readonly tenant: ScimTenant;
}

export interface ScimMount {
  /** Route prefix below the API root (Fastify syntax for parameters). */
  readonly prefix: string;
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
  if (ctx.config.instanceEnterprise !== undefined) return findEnterprise(ctx.db, ctx.config.instanceEnterprise);
  return ctx.db.selectFrom('enterprises').selectAll().where('kind', '=', 'managed').orderBy('id').limit(1).executeTakeFirst();
}

export const INSTANCE_MOUNT: ScimMount = {
  prefix: '/scim/v2',
  async resolve(ctx, request, reply) {
    const enterprise = await instanceEnterprise(ctx);
    if (enterprise?.kind !== 'managed') throw notFound();
    return enterpriseTenant(ctx, request, reply, enterprise, managedDialect, `${request.apiBase}/scim/v2`);
  },
};

export const ENTERPRISE_MOUNT: ScimMount = {
  prefix: '/scim/v2/enterprises/:enterprise',
  async resolve(ctx, request, reply) {
    const { enterprise: slug } = request.params as { enterprise: string };
    const enterprise = await findEnterprise(ctx.db, slug);
    if (enterprise === undefined) throw notFound();
    const dialect = ENTERPRISE_DIALECTS[enterprise.kind];
    if (dialect === undefined) throw notFound();
    return enterpriseTenant(ctx, request, reply, enterprise, dialect, `${request.apiBase}/scim/v2/enterprises/${enterprise.slug}`);
  },
};

/** Every SCIM mount; the org dialect appends `/scim/v2/organizations/:org` here. */
export const SCIM_MOUNTS: readonly ScimMount[] = [INSTANCE_MOUNT, ENTERPRISE_MOUNT];
