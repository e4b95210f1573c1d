/**
 * SCIM dialects as data (STYLE.md §3 item 2; ARCHITECTURE.md "SCIM dialects"). One engine (`src/scim/engine`), one
 * set of generic services (`src/domain/scim/users.ts`, `groups.ts`), one set of HTTP handlers (`src/scim/routes.ts`);
 * what differs between GitHub's SCIM products is a `ScimDialect` object plus the semantic hooks it carries.
 *
 * ## The seam, precisely
 *
 * A request reaches a dialect in three steps:
 *
 * 1. **Mount** (`mounts.ts`, `SCIM_MOUNTS`): a path prefix, a `resolve` function, and optionally the one dialect it
 *    serves. The prefix is where the routes live (`/scim/v2`, `/scim/v2/enterprises/:enterprise`,
 *    `/scim/v2/organizations/:org`); every mount gets the same routes (`/Users`, `/Users/.search`, `/Users/:scim_user_id`,
 *    `/Groups…`, `/.search`, `/ServiceProviderConfig`, `/ResourceTypes[/:name]`, `/Schemas[/:id]`), at the root and
 *    under `/api/v3`. `resolve` finds the tenant and the dialect and authorizes the caller (404 for what they may not
 *    see, 403 as a SCIM error for a member who is not an owner, then 403 for a missing scope); a mount's fixed
 *    `dialect` renders errors raised while resolving in that dialect's style (organization SCIM's 403/404 are SCIM
 *    errors).
 *    - The enterprise mount picks the dialect from the enterprise's `kind` through `ENTERPRISE_DIALECTS`
 *      (`managed` → `managed.ts`, `classic` → `classic.ts`); an enterprise whose kind has no dialect answers 404.
 *      A new enterprise dialect is one file exporting a `ScimDialect` plus one entry there.
 *    - A dialect at new paths (organization SCIM, `org.ts`) is one file plus one mount appended to `SCIM_MOUNTS`
 *      (prefix, `resolve` with its own access rule, tenant scope such as `org:<id>`). A dialect without Groups
 *      leaves `rules.groupSchema`/`rules.groups` undefined and its Group routes answer 404.
 * 2. **Dialect** (this interface): HTTP-level data — error documentation, the 404 style, list paging defaults,
 *    which attributes GitHub's response schema needs even under `attributes=`, the Group PATCH answer, request
 *    quirks, authorization scopes — and `rules`.
 * 3. **Rules** (`ScimRules`, `src/domain/scim/types.ts`): the resource schemas (data: which attributes exist, their
 *    case-exactness, mutability, what `/Schemas` shows), PATCH options (e.g. `userName` immutable), and the
 *    semantic hooks, which is where a dialect's meaning lives:
 *    - `UserHooks.prepare` (required attributes, strict vs lenient, derived values, canonical role values),
 *      `reservedLogin`, `provisioned` (create/link/invite the GitHub account), `updated` (what a request that
 *      sets `active:false` does, `UserChange.deactivates`: managed suspends and answers `keep`; classic/org answer
 *      `delete` and the identity is removed), `deleting`;
 *    - `GroupHooks.prepare`, `provisioned` (classic: the group is the organization of the same name),
 *      `updated`, `membersChanged` (managed: team sync; classic: org membership), `deleting`.
 *    The generic services call them inside the request's transaction, after storing the identity, so a hook that
 *    throws a `ScimError` (e.g. 400 "no organization named X") rolls everything back.
 *
 * Everything else — filters compiled to SQL, paging, projection, ETags and preconditions, uniqueness (409) under
 * concurrency, membership deltas, audit events `external_identity.*`/`external_group.*`, the SCIM error handler —
 * is shared and needs no change for a new dialect.
 */
import type { ListParamOptions } from '../engine/index.ts';
import type { ScimRules } from '../../domain/scim/types.ts';
import type { ScimDialectName } from '../../storage/tables.ts';

/** The resource types a dialect can serve, by endpoint name. */
export type ScimResourceKind = 'User' | 'Group';

export interface ScimDialect {
  readonly name: ScimDialectName;
  /** Schemas, PATCH options and semantic hooks (the domain side of the dialect). */
  readonly rules: ScimRules;
  /** `documentation_url` of this dialect's error bodies and `documentationUri` of its ServiceProviderConfig. */
  readonly docsUrl: string;
  /**
   * Body of a resource 404: GitHub's `basic-error` as `application/json` (enterprise and instance SCIM,
   * openapi-contract.md §5; with the RFC's `schemas` and `detail` added, idp-quirks.md X2) or a SCIM error
   * (organization SCIM, §7). A 404 for the tenant itself (unknown or invisible enterprise) is always `basic-error`.
   */
  readonly notFound: 'basic-error' | 'scim-error';
  /**
   * Other error statuses whose documented body is GitHub's `basic-error` (as `application/json`, with the RFC's
   * `schemas` and `detail` added, like `notFound`) rather than a SCIM error, by operation: the method and the route
   * below the mount, e.g. `'PATCH /Users/:scim_user_id'`. Organization SCIM's PATCH 429 is one
   * (https://docs.github.com/enterprise-cloud@latest/rest/scim/scim#update-an-attribute-for-a-scim-user).
   */
  readonly basicErrors: Readonly<Record<string, readonly number[]>>;
  /** `count` default and maximum (GitHub documents 30 as the default; the maximum is ServiceProviderConfig's `maxResults`). */
  readonly list: ListParamOptions;
  /**
   * Attributes GitHub's response schema requires on every resource, kept even when `attributes` /
   * `excludedAttributes` would drop them (as RFC 7643 `returned: always` does for `id`); an absent multi-valued one
   * is emitted as `[]`.
   */
  readonly requiredInResponse: Readonly<Record<ScimResourceKind, readonly string[]>>;
  /**
   * Group PATCH answer: `no-content` answers 204 (Entra's advice for groups, idp-quirks.md X8, and no member list to
   * load for a 100,000-member group) unless the request asks for a representation with `attributes` or
   * `excludedAttributes`, then 200; `resource` always answers 200 with the group.
   */
  readonly groupPatchResponse: 'no-content' | 'resource';
  /**
   * Attributes and sub-attributes (`name.givenName`) the dialect requires only with `config.strictScim`, as GitHub's
   * reference does; by default they may be left out (identity providers omit them). `/Schemas` shows them as
   * `required` in strict mode (RFC 7643 §7: the schema says what the provider enforces).
   */
  readonly strictRequired: Readonly<Record<ScimResourceKind, readonly string[]>>;
  /** Scopes a token needs (any one of them, or a scope that includes it). */
  readonly scopes: readonly string[];
  readonly quirks: {
    /**
     * Accept a whole filter wrapped in double quotes, as GitHub's own reference shows it
     * (`?filter="externalId eq '9138790-10932-109120392-12321'"`, seed 002).
     */
    readonly unwrapQuotedFilter: boolean;
  };
}
