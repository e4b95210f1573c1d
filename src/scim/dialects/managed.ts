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
 *   that URN), and the core Group, as `github-schemas.ts` serves them, with `userName` immutable (GitHub forbids
 *   renames of managed users) and the role names as `roles.value`'s canonical values.
 * - Semantics: `src/domain/scim/managed/hooks.ts` (accounts, suspension, roles, team sync).
 * - Auth: an enterprise owner's classic token with `scim:enterprise` (or `admin:enterprise`, which includes it); 403
 *   (SCIM error) for an enterprise member who is not an owner, 404 for anyone else (`mounts.ts`).
 * - Errors: SCIM error bodies, except the 404, which is GitHub's plain `basic-error`.
 */
import { instanceUserHooks, managedGroupHooks, managedUserHooks } from '../../domain/scim/managed/hooks.ts';
import type { ManagedProduct } from '../../domain/scim/managed/login.ts';
import { canonicalRoleValues } from '../../domain/scim/managed/roles.ts';
import type { ResourceSchema } from '../engine/index.ts';
import type { ScimDialect } from './dialect.ts';
import { githubGroupResource, githubUserResource } from './github-schemas.ts';

/**
 * The User resource type of a managed product: core schema only, `userName` immutable, and `roles.value` with the
 * spellings that product answers (`src/domain/scim/managed/roles.ts` also accepts the Entra app-role ids and the other
 * product's spellings), as https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim and the
 * GHES instance SCIM reference list them.
 */
function managedUserResource(product: ManagedProduct): ResourceSchema {
  // The four role names in this product's spelling; the app-role ids are accepted too but are not canonical.
  const values = canonicalRoleValues(product).slice(0, 4);
  return githubUserResource({
    change: {
      userName: {
        mutability: 'immutable',
        description: 'Unique identifier for the User, from which the managed account\'s login is derived; it cannot change.',
      },
      'roles.value': {
        canonicalValues: values,
        description: `The enterprise role: ${values.join(', ')} (or their Entra app-role ids); the most privileged of several wins.`,
      },
    },
  });
}

/** The User resource type of Enterprise Managed Users. */
export const MANAGED_USER_RESOURCE: ResourceSchema = managedUserResource('emu');

/** The User resource type of GitHub Enterprise Server's instance SCIM. */
export const INSTANCE_USER_RESOURCE: ResourceSchema = managedUserResource('ghes');

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

/**
 * GitHub Enterprise Server's instance SCIM (`/scim/v2`, `/api/v3/scim/v2`): the managed dialect with GHES's users.
 * Everything else is the managed dialect's; its discovery documents differ only in the role spellings.
 */
export const instanceDialect: ScimDialect = {
  ...managedDialect,
  rules: { ...managedDialect.rules, userSchema: INSTANCE_USER_RESOURCE, users: instanceUserHooks },
};
