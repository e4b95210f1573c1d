/**
 * The managed dialect: GHES 3.10+ instance SCIM (`/scim/v2/Users|Groups`,
 * https://docs.github.com/enterprise-server@latest/rest/enterprise-admin/scim) and Enterprise Managed Users
 * (`/scim/v2/enterprises/{enterprise}/…` on a `managed` enterprise), one contract; two products:
 * - `managedDialect` (EMU): `_shortcode` logins, every identity a new account, roles answered in the enum's names;
 * - `instanceDialect` (GHES, the instance paths): logins without suffix, an existing account of the login linked,
 *   roles answered in GHES's display forms. Everything else is shared.
 * Both store identities as dialect `managed` in the enterprise's tenant, so either path reads the same identities;
 * an identity keeps the login rules it was provisioned under (`src/domain/scim/managed/login.ts`).
 *
 * - Resource types: the core User schema without extensions (GitHub lists only
 *   `urn:ietf:params:scim:schemas:core:2.0:User` as supported, and its response schema's `schemas` enum has only
 *   that URN), and the core Group.
 * - Semantics: `src/domain/scim/managed/hooks.ts` (accounts, suspension, roles, team sync).
 * - Auth: an enterprise owner's classic token with `scim:enterprise` (or `admin:enterprise`, which includes it).
 * - Errors: SCIM error bodies, except the 404, which is GitHub's plain `basic-error`.
 */
import { instanceUserHooks, managedGroupHooks, managedUserHooks } from '../../domain/scim/managed/hooks.ts';
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

/**
 * GitHub Enterprise Server's instance SCIM (`/scim/v2`, `/api/v3/scim/v2`): the managed dialect with GHES's users.
 * Everything else, the discovery documents included, is the managed dialect's.
 */
export const instanceDialect: ScimDialect = {
  ...managedDialect,
  rules: { ...managedDialect.rules, users: instanceUserHooks },
};
