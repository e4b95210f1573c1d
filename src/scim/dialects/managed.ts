/**
 * The managed dialect: GHES 3.10+ instance SCIM (`/scim/v2/Users|Groups`, seed 002) and Enterprise Managed Users
 * (`/scim/v2/enterprises/{enterprise}/…` on a `managed` enterprise), one contract (openapi-contract.md §5, §6).
 *
 * - Resource types: the core User schema without extensions (GitHub lists only
 *   `urn:ietf:params:scim:schemas:core:2.0:User` as supported, and its response schema's `schemas` enum has only
 *   that URN), and the core Group.
 * - Semantics: `src/domain/scim/managed/hooks.ts` (accounts, suspension, roles, team sync).
 * - Auth: an enterprise owner's classic token with `scim:enterprise` (or `admin:enterprise`, which includes it); 403
 *   (SCIM error) for an enterprise member who is not an owner, 404 for anyone else (`mounts.ts`).
 * - Errors: SCIM error bodies, except the 404, which is GitHub's plain `basic-error`.
 */
import { managedGroupHooks, managedUserHooks } from '../../domain/scim/managed/hooks.ts';
import { GROUP_RESOURCE, USER_SCHEMA, type ResourceSchema } from '../engine/index.ts';
import type { ScimDialect } from './dialect.ts';

/** The User resource type of the managed dialect: core schema only. */
export const MANAGED_USER_RESOURCE: ResourceSchema = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  core: USER_SCHEMA,
  extensions: [],
};

export const managedDialect: ScimDialect = {
  name: 'managed',
  rules: {
    dialect: 'managed',
    userSchema: MANAGED_USER_RESOURCE,
    groupSchema: GROUP_RESOURCE,
    users: managedUserHooks,
    groups: managedGroupHooks,
    // GitHub forbids renames on EMU and GHES (idp-quirks.md §9.3).
    userPatch: { immutableAttributes: ['userName'] },
    // Okta's group push removes members that may already be gone (idp-quirks.md §3); a filtered remove that
    // matches nothing is a no-op rather than 400 noTarget.
    groupPatch: { onRemoveNoMatch: 'ignore' },
    unknownSchemaPaths: 'ignore',
  },
  docsUrl: 'https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim',
  notFound: 'basic-error',
  basicErrors: {},
  list: { defaultCount: 30, maxCount: 1000 },
  requiredInResponse: { User: ['schemas', 'id', 'active', 'emails', 'meta'], Group: ['schemas'] },
  groupPatchResponse: 'no-content',
  scopes: ['scim:enterprise'],
  quirks: { unwrapQuotedFilter: true },
};
