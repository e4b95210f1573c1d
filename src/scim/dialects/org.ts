/**
 * The organization dialect: GitHub Enterprise Cloud's organization SCIM (`/scim/v2/organizations/{org}/Users`,
 * seed 003; openapi-contract.md §7; github-semantics.md §3.1). Served by the org mount in `mounts.ts`.
 *
 * - Resource types: Users only, the core User schema without extensions. The Group routes answer 404 (a SCIM
 *   error), and discovery lists the User resource type and schema only.
 * - Semantics: `src/domain/scim/org/hooks.ts` (provision and invite, link by login, reinstate, `active: false` deletes).
 * - Auth: an owner of the organization, or of its enterprise, with `admin:org` ("You must authenticate as an owner of
 *   a GitHub organization"); 404 for anyone else. Organizations of Enterprise Managed Users enterprises are not
 *   served ("The SCIM API cannot be used … with an organization with managed users"): 404.
 * - Errors: every 4xx is a SCIM error body (`scim-error`, including 403 and 404, unlike enterprise SCIM), except the
 *   401 of a missing token, which no SCIM body is documented for, and PATCH's 429, documented as `basic-error`.
 * - Filters: GitHub documents `eq` on `id`, `userName`, `emails`, `externalId`; Gatehouse answers the full grammar.
 */
import { orgUserHooks } from '../../domain/scim/org/hooks.ts';
import { USER_SCHEMA, type ResourceSchema } from '../engine/index.ts';
import type { ScimDialect } from './dialect.ts';

/** The User resource type of the organization dialect: core schema only. */
export const ORG_USER_RESOURCE: ResourceSchema = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  core: USER_SCHEMA,
  extensions: [],
};

export const orgDialect: ScimDialect = {
  name: 'org',
  rules: {
    dialect: 'org',
    userSchema: ORG_USER_RESOURCE,
    groupSchema: undefined,
    users: orgUserHooks,
    groups: undefined,
    // Renames are allowed outside the managed dialect (idp-quirks.md §9.3).
    userPatch: {},
    groupPatch: {},
    unknownSchemaPaths: 'ignore',
  },
  docsUrl: 'https://docs.github.com/enterprise-cloud@latest/rest/scim/scim',
  notFound: 'scim-error',
  // The one operation whose documented 429 is GitHub's `basic-error`; the list's 429 is a SCIM error (ghec.json).
  basicErrors: { 'PATCH /Users/:scim_user_id': [429] },
  // GitHub documents no default or maximum for `count` here; the enterprise dialects' values.
  list: { defaultCount: 30, maxCount: 1000 },
  requiredInResponse: { User: ['schemas', 'id', 'active', 'emails', 'meta'], Group: [] },
  groupPatchResponse: 'resource',
  scopes: ['admin:org'],
  quirks: { unwrapQuotedFilter: true },
};

