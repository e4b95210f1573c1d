/**
 * Who may see what. Resources the caller may not see answer 404 (never 403, so existence does not leak); a token that
 * can see the resource but lacks the operation's scope answers 403 with `X-Accepted-OAuth-Scopes`. Operations only an
 * owner may use (SCIM) answer 403 to a member who is not an owner (they can see the organization or enterprise):
 * `isEnterpriseMember` tells who that is for an enterprise.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { acceptedScopesFor } from '../auth/scopes.ts';
import { findEnterpriseWithRole, findOrganizationWithRoles, type AuthenticatedToken } from '../domain/accounts/accounts.ts';
import { ApiError, notFound, requiresAuthentication } from '../errors/api-error.ts';
import type { Db } from '../domain/context.ts';
import { thenMaybe, type MaybePromise } from '../storage/read-cache.ts';
import type { EnterpriseRole, EnterpriseRow, OrganizationRow, OrgRole } from '../storage/tables.ts';

export function principalOf(request: FastifyRequest): AuthenticatedToken {
  if (request.principal === null) throw requiresAuthentication();
  return request.principal;
}

/** The domain's view of the caller, for audit. */
export function actorOf(request: FastifyRequest): { id: number; login: string; siteAdmin: boolean } {
  const { user } = principalOf(request);
  return { id: user.id, login: user.login, siteAdmin: user.site_admin === 1 };
}

/**
 * Requires one of the scopes (or a scope that includes it); sets `X-Accepted-OAuth-Scopes` either way.
 * @param required - scopes any one of which allows the operation
 */
export function requireScopes(request: FastifyRequest, reply: FastifyReply, required: readonly string[]): void {
  const principal = principalOf(request);
  const accepted = acceptedScopesHeader(required);
  reply.header('x-accepted-oauth-scopes', accepted);
  if (!required.some((scope) => principal.scopes.has(scope))) {
    throw new ApiError(403, 'Resource not accessible by personal access token', {
      code: 'insufficient_scope',
      headers: { 'x-accepted-oauth-scopes': accepted },
    });
  }
}

/** Routes require a handful of fixed scope lists (module constants); the header for each is computed once. */
const acceptedHeaders = new WeakMap<readonly string[], string>();

function acceptedScopesHeader(required: readonly string[]): string {
  let header = acceptedHeaders.get(required);
  if (header === undefined) {
    header = acceptedScopesFor(required).join(', ');
    acceptedHeaders.set(required, header);
  }
  return header;
}

export interface EnterpriseAccess {
  /** Enterprise roles allowed; site administrators are always allowed. */
  roles: readonly EnterpriseRole[];
  scopes: readonly string[];
}

/**
 * Resolves `{enterprise}` for the caller: 404 unless they hold one of the roles, then 403 unless the token has the
 * scope. Synchronous when the enterprise and role are in the read cache (this runs on every enterprise-scoped request).
 */
export function enterpriseFor(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  slug: string,
  access: EnterpriseAccess,
): MaybePromise<EnterpriseRow> {
  const principal = principalOf(request);
  // One query for the enterprise and the caller's role in it.
  return thenMaybe(findEnterpriseWithRole(db, slug, principal.user.id), (found) => {
    if (found === undefined) throw notFound();
    if (principal.user.site_admin !== 1 && (found.role === undefined || !access.roles.includes(found.role))) throw notFound();
    requireScopes(request, reply, access.scopes);
    return found.enterprise;
  });
}

export interface OrgAccess {
  /** Organization roles allowed; `admin` is an owner. Owners of the owning enterprise and site administrators are allowed. */
  roles: readonly OrgRole[];
  scopes: readonly string[];
}

/** Resolves `{org}` for the caller, with the same 404-then-403 rule as `enterpriseFor` (and synchronous when cached). */
export function orgFor(db: Db, request: FastifyRequest, reply: FastifyReply, login: string, access: OrgAccess): MaybePromise<OrganizationRow> {
  const principal = principalOf(request);
  return thenMaybe(findOrganizationWithRoles(db, login, principal.user.id), (found) => {
    if (found === undefined) throw notFound();
    if (principal.user.site_admin !== 1) {
      const allowed = (found.role !== undefined && access.roles.includes(found.role)) || found.enterpriseOwner;
      if (!allowed) throw notFound();
    }
    requireScopes(request, reply, access.scopes);
    return found.org;
  });
}

/**
 * Whether the user belongs to the enterprise without necessarily owning it: any enterprise role, or membership of one
 * of its organizations ("If a user is a member or owner of any organization, they are listed as an organization member
 * on your enterprise's People page", docs.github.com/enterprise-server@3.19/admin/managing-accounts-and-repositories/
 * managing-roles-in-your-enterprise/abilities-of-roles).
 *
 * @param role - the user's enterprise role, as `findEnterpriseWithRole` found it
 */
export async function isEnterpriseMember(db: Db, enterpriseId: number, userId: number, role: EnterpriseRole | undefined): Promise<boolean> {
  if (role !== undefined) return true;
  const membership = await db
    .selectFrom('org_members as m')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .select('m.user_id')
    .where('o.enterprise_id', '=', enterpriseId)
    .where('m.user_id', '=', userId)
    .executeTakeFirst();
  return membership !== undefined;
}
