/**
 * The organization dialect: GitHub Enterprise Cloud's organization SCIM (`/scim/v2/organizations/{org}/Users`,
 * seed 003; openapi-contract.md §7; github-semantics.md §3.1). Served by the org mount in `mounts.ts`.
 *
 * - Resource types: Users only, the core User schema without extensions. The Group routes answer 404 (a SCIM
 *   error), and discovery lists the User resource type and schema only.
 * - Semantics: `src/domain/scim/org/hooks.ts` (provision and invite, link by login, reinstate, a request that sets
 *   `active: false` deletes). PATCH takes GitHub's path-less keys `givenName`/`familyName` (`GITHUB_PATCH_ALIASES`);
 *   POST and PUT take plain-string `emails` unless strict (`stringElements`).
 * - Auth: an owner of the organization, or of its enterprise, with `admin:org` ("You must authenticate as an owner of
 *   a GitHub organization"); 403 (SCIM error, as documented) for a member who is not an owner, 404 for anyone else. Organizations of Enterprise Managed Users enterprises are not
 *   served ("The SCIM API cannot be used … with an organization with managed users"): 404.
 * - Errors: every 4xx is a SCIM error body (`scim-error`, including 403 and 404, unlike enterprise SCIM), except the
 *   401 of a missing token, which no SCIM body is documented for, and PATCH's 429, documented as `basic-error`.
 * - Filters: GitHub documents `eq` on `id`, `userName`, `emails`, `externalId`; Gatehouse answers the full grammar.
 */
import { orgUserHooks } from '../../domain/scim/org/hooks.ts';
import type { ResourceSchema } from '../engine/index.ts';
import type { ScimDialect } from './dialect.ts';
import { githubUserResource } from './github-schemas.ts';

/**
 * Keys of a path-less PATCH value that GitHub's organization SCIM PATCH schema lists and that are not User attributes:
 * `givenName` and `familyName`, the parts of `name` (`{"op":"replace","value":{"givenName":"New"}}`,
 * docs.github.com/enterprise-cloud@latest/rest/scim/scim#update-an-attribute-for-a-scim-user). The classic dialect
 * takes them too. A bare `path` of that name means the same.
 */
export const GITHUB_PATCH_ALIASES: Readonly<Record<string, string>> = { givenName: 'name.givenName', familyName: 'name.familyName' };

/** The User resource type of the organization dialect: core schema only, as `github-schemas.ts` serves it. */
export const ORG_USER_RESOURCE: ResourceSchema = githubUserResource();

export const orgDialect: ScimDialect = {
  name: 'org',
  rules: {
    dialect: 'org',
    userSchema: ORG_USER_RESOURCE,
    groupSchema: undefined,
    users: orgUserHooks,
    groups: undefined,
    // Renames are allowed outside the managed dialect (EMU and GHES logins follow `userName` and cannot change). GitHub's PATCH schema lists `givenName`
    // and `familyName` among a path-less value's keys (with `active`, `userName`, `externalId`): they stand for
    // `name.givenName` and `name.familyName`.
    userPatch: { aliases: GITHUB_PATCH_ALIASES },
    groupPatch: {},
    unknownSchemaPaths: 'ignore',
    // GitHub's provisioning example sends `"emails": ["octocat@github.com"]`; lenient mode takes it.
    stringElements: ['emails'],
  },
  docsUrl: 'https://docs.github.com/enterprise-cloud@latest/rest/scim/scim',
  notFound: 'scim-error',
  // The one operation whose documented 429 is GitHub's `basic-error`; the list's 429 is a SCIM error (ghec.json).
  basicErrors: { 'PATCH /Users/:scim_user_id': [429] },
  // GitHub documents no default or maximum for `count` here; the enterprise dialects' values.
  list: { defaultCount: 30, maxCount: 1000 },
  requiredInResponse: { User: ['schemas', 'id', 'active', 'emails', 'meta'], Group: [] },
  // GitHub's required user attributes for organization SCIM.
  strictRequired: { User: ['name', 'name.givenName', 'name.familyName', 'emails', 'emails.value'], Group: [] },
  groupPatchResponse: 'resource',
  scopes: ['admin:org'],
  quirks: { unwrapQuotedFilter: true },
};

