/**
 * The classic dialect: GitHub Enterprise Cloud's 2020-era enterprise SCIM (`/scim/v2/enterprises/{enterprise}/…` on
 * an enterprise of kind `classic`; seed 000 "SCIM", seed 001 for the Groups list's `filter` and
 * `excludedAttributes`; github-semantics.md §3.1; openapi-contract.md §5 for today's shapes, §9.5 for the 2021 ones).
 *
 * - Resource types: the core User (no extensions, no `roles`) whose `groups` may be written on POST ("List of SCIM
 *   group IDs the user is a member of": provision and invite), and the core Group, which stands for the organization
 *   of the same name; both as `github-schemas.ts` serves them. Semantics: `src/domain/scim/classic/hooks.ts`.
 * - Auth: an enterprise owner ("You must authenticate as an owner of a GitHub enterprise to use its SCIM API") with
 *   `scim:enterprise` or `admin:enterprise` (which includes it); 403 (SCIM error) for an enterprise member who is not
 *   an owner, 404 for anyone else.
 * - Requests: as the organization dialect, PATCH takes `givenName`/`familyName` as path-less keys and POST/PUT take
 *   plain-string `emails` unless strict (seed 000's own example sends `"emails": ["octocat@github.com"]`).
 * - Wire: responses are `application/scim+json` in today's enterprise SCIM shapes, which also satisfy the 2021
 *   shapes (`@octokit/openapi@2.2.1`, documented there as `application/json`); errors are SCIM error bodies except
 *   the 404, GitHub's plain `basic-error` as on every enterprise SCIM path; group PATCH answers 200 with the group,
 *   as the 2020 contract shows (204 came later).
 * - Filters: the 2020 contract documents none; Gatehouse answers the full RFC 7644 grammar, as for every dialect.
 */
import { classicGroupHooks, classicUserHooks } from '../../domain/scim/classic/hooks.ts';
import { attribute, complexAttribute, type AttributeDefinition, type ResourceSchema } from '../engine/index.ts';
import type { ScimDialect } from './dialect.ts';
import { githubGroupResource, githubUserResource } from './github-schemas.ts';
import { GITHUB_PATCH_ALIASES } from './org.ts';

/**
 * `groups` as the classic contract has it: set on POST, where it names the groups (organizations) to join. Later
 * membership changes go through /Groups: `groups` on PUT and PATCH changes nothing (Okta echoes `groups: []` in
 * every PUT), so it is `immutable` (RFC 7643 §7: defined at resource creation, not updated), not `readWrite`.
 */
const CLASSIC_GROUPS_ATTRIBUTE: AttributeDefinition = complexAttribute(
  'groups',
  'Groups to which the user belongs. On POST, the SCIM groups the user joins and whose organizations invite them; afterwards maintained through /Groups.',
  [
    attribute('value', "The identifier of the User's group."),
    attribute('$ref', 'The URI of the Group resource.', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }),
    attribute('display', 'A human-readable name of the group.', { mutability: 'readOnly' }),
  ],
  { multiValued: true, mutability: 'immutable' },
);

/**
 * The User resource type of the classic dialect: core schema only, `groups` set on POST, and no `roles` (not a
 * classic attribute: GitHub's "Supported SCIM User attributes" list has none, and the dialect drops what is sent).
 */
export const CLASSIC_USER_RESOURCE: ResourceSchema = githubUserResource({ omit: ['roles'], replace: [CLASSIC_GROUPS_ATTRIBUTE] });

/**
 * The Group resource type of the classic dialect: `displayName` is the login of an organization of the enterprise
 * (compared without regard to case, as logins are), one group per organization, so it is unique (`uniqueness:
 * server`, 409 for a second group of the same organization).
 */
export const CLASSIC_GROUP_RESOURCE: ResourceSchema = githubGroupResource({
  change: {
    displayName: {
      uniqueness: 'server',
      description: 'The login of the organization of the enterprise that the group stands for.',
    },
  },
});

export const classicDialect: ScimDialect = {
  name: 'classic',
  rules: {
    dialect: 'classic',
    userSchema: CLASSIC_USER_RESOURCE,
    groupSchema: CLASSIC_GROUP_RESOURCE,
    users: classicUserHooks,
    groups: classicGroupHooks,
    // Renames are allowed outside the managed dialect (EMU and GHES logins follow `userName` and cannot change). GitHub's PATCH schema lists `givenName`
    // and `familyName` among a path-less value's keys (with `active`, `userName`, `externalId`): they stand for
    // `name.givenName` and `name.familyName`.
    userPatch: { aliases: GITHUB_PATCH_ALIASES },
    // A filtered remove that matches nothing is a no-op (Okta removes members that may already be gone, idp-quirks.md §3).
    groupPatch: { onRemoveNoMatch: 'ignore' },
    unknownSchemaPaths: 'ignore',
    // GitHub's provisioning example sends `"emails": ["octocat@github.com"]`; lenient mode takes it.
    stringElements: ['emails'],
  },
  docsUrl: 'https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim',
  notFound: 'basic-error',
  basicErrors: {},
  list: { defaultCount: 30, maxCount: 1000 },
  requiredInResponse: { User: ['schemas', 'id', 'active', 'emails', 'meta'], Group: ['schemas'] },
  // The 2020 contract's required user attributes (`schemas` too).
  strictRequired: { User: ['name', 'name.givenName', 'name.familyName', 'emails', 'emails.value', 'emails.type', 'emails.primary'], Group: [] },
  groupPatchResponse: 'resource',
  scopes: ['scim:enterprise'],
  quirks: { unwrapQuotedFilter: true },
};
