/**
 * The managed dialect: GHES 3.10+ instance SCIM (`/scim/v2/Users|Groups`, seed 002) and Enterprise Managed Users
 * (`/scim/v2/enterprises/{enterprise}/…` on a `managed` enterprise), one contract (openapi-contract.md §5, §6).
 *
 * - Resource types: the core User schema without extensions (GitHub lists only
 *   `urn:ietf:params:scim:schemas:core:2.0:User` as supported, and its response schema's `schemas` enum has only
 *   that URN), and the core Group, as `github-schemas.ts` serves them, with `userName` immutable (GitHub forbids
 *   renames of managed users) and the role names as `roles.value`'s canonical values.
 * - Semantics: `src/domain/scim/managed/hooks.ts` (accounts, suspension, roles, team sync).
 * - Auth: an enterprise owner's classic token with `scim:enterprise` (or `admin:enterprise`, which includes it).
 * - Errors: SCIM error bodies, except the 404, which is GitHub's plain `basic-error`.
 */
import { managedGroupHooks, managedUserHooks } from '../../domain/scim/managed/hooks.ts';
import type { ResourceSchema } from '../engine/index.ts';
import type { ScimDialect } from './dialect.ts';
import { githubGroupResource, githubUserResource } from './github-schemas.ts';

/**
 * The role names `roles.value` takes and is answered with (`src/domain/scim/managed/roles.ts` also accepts their
 * app-role GUIDs and older display forms), as the `roles` of the user schema at
 * https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim list them.
 */
export const MANAGED_ROLE_VALUES: readonly string[] = ['user', 'guest_collaborator', 'enterprise_owner', 'billing_manager'];

/** The User resource type of the managed dialect: core schema only, `userName` immutable, the role names. */
export const MANAGED_USER_RESOURCE: ResourceSchema = githubUserResource({
  change: {
    userName: {
      mutability: 'immutable',
      description: 'Unique identifier for the User, from which the managed account\'s login is derived; it cannot change.',
    },
    'roles.value': {
      canonicalValues: MANAGED_ROLE_VALUES,
      description: 'The enterprise role: user, guest_collaborator, enterprise_owner or billing_manager (or their Entra app-role ids); the most privileged of several wins.',
    },
  },
});

/** The Group resource type of the managed dialect: an external group that teams link to. */
export const MANAGED_GROUP_RESOURCE: ResourceSchema = githubGroupResource();

export const managedDialect: ScimDialect = {
  name: 'managed',
  rules: {
    dialect: 'managed',
    userSchema: MANAGED_USER_RESOURCE,
    groupSchema: MANAGED_GROUP_RESOURCE,
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
  // GitHub's required user attributes (`externalId`, a common attribute, and `schemas` too; `name`'s parts when it is sent).
  strictRequired: { User: ['active', 'displayName', 'emails', 'emails.value', 'emails.type', 'emails.primary', 'name.givenName', 'name.familyName'], Group: [] },
  groupPatchResponse: 'no-content',
  scopes: ['scim:enterprise'],
  quirks: { unwrapQuotedFilter: true },
};
