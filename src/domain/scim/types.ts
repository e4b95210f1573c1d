/**
 * The SCIM identity domain: what every dialect shares (identities and groups stored as SCIM resources, uniqueness per
 * tenant, versions, memberships as a join table) and the hooks through which a dialect gives them its product's
 * meaning (github-semantics.md §3.1: a managed identity is a GitHub account that `active: false` suspends; a classic
 * one is an enterprise membership that `active: false` deletes; an org one is an invitation...).
 *
 * The generic services (`users.ts`, `groups.ts`) do the storage, the checks every dialect needs and the audit events
 * `external_identity.*` / `external_group.*`; they call the hooks inside the same transaction, so a hook that throws
 * leaves nothing behind. `src/scim/dialects/dialect.ts` explains how an HTTP dialect plugs its hooks in.
 */
import type { JsonObject, PatchOptions, ResourceSchema } from '../../scim/engine/index.ts';
import type { EnterpriseRow, OrganizationRow, ScimDialectName } from '../../storage/tables.ts';
import type { Actor, Db, DomainContext } from '../context.ts';

/** Whose identities a request reads and writes. */
export interface ScimTenant {
  /** Uniqueness scope of `scim_users` / `scim_groups`: `enterprise:<id>` or `org:<id>`. */
  readonly scope: string;
  readonly dialect: ScimDialectName;
  readonly enterprise: EnterpriseRow | null;
  readonly org: OrganizationRow | null;
  /** SCIM base URL (no trailing slash) for `meta.location` and `$ref`: `https://host/scim/v2/enterprises/acme`. */
  readonly baseUrl: string;
}

/** A stored SCIM User: the columns the services use, and the resource as stored (without id, meta and groups). */
export interface StoredUser {
  /** Internal integer id (`scim_users.id`). */
  readonly rowId: number;
  readonly scimId: string;
  /** The linked GitHub account, if any. */
  readonly userId: number | null;
  readonly userName: string;
  readonly externalId: string | null;
  readonly displayName: string | null;
  readonly active: boolean;
  readonly loginLower: string | null;
  readonly resource: JsonObject;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

/** A stored SCIM Group (resource without members, id and meta). */
export interface StoredGroup {
  /** Internal integer id (`scim_groups.id`), also the external group's `group_id` on the REST surface. */
  readonly rowId: number;
  readonly scimId: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly resource: JsonObject;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

/** A member as the services see it: the SCIM identity and the GitHub account it is linked to. */
export interface MemberRef {
  readonly rowId: number;
  readonly scimId: string;
  readonly userId: number | null;
}

/** What a hook runs with: the open transaction, the domain context, the tenant and the caller. */
export interface HookContext {
  readonly db: Db;
  readonly ctx: DomainContext;
  readonly tenant: ScimTenant;
  readonly actor: Actor | null;
}

/** Which request a resource comes from, for `prepare`. */
export type WriteKind = 'create' | 'replace' | 'patch';

export interface PrepareContext {
  readonly kind: WriteKind;
  /** `config.strictScim`: reject what GitHub's reference rejects (idp-quirks.md §9). */
  readonly strict: boolean;
  /** The stored resource on replace and patch. */
  readonly previous?: JsonObject;
  readonly tenant: ScimTenant;
}

/** What a PUT or PATCH request itself asked for, beyond the resource it results in. */
export interface UserChange {
  /**
   * The request sets `active` to false: a PUT whose body has `active: false`, or a PATCH operation that writes
   * `false` (path-less `{"active": false}` or `path: "active"`), whether or not the identity was already inactive.
   * A request that leaves `active` alone (a `displayName` replace on an inactive identity) does not.
   */
  readonly deactivates: boolean;
}

/**
 * A dialect's User semantics. Every function runs inside the request's transaction.
 */
export interface UserHooks {
  /**
   * Check and complete a resource before it is stored, after the engine normalised (POST/PUT) or patched (PATCH) it:
   * required attributes, derived ones (`displayName`), canonical role values, dialect immutability.
   * Throws `ScimError` (400) for what the dialect rejects.
   */
  prepare(resource: JsonObject, context: PrepareContext): JsonObject;
  /** The GitHub login this identity reserves within its tenant, lower case (`scim_users.login_lower`), or null. */
  reservedLogin(resource: JsonObject, tenant: ScimTenant): string | null;
  /** A new identity was stored: create or link its GitHub account; returns the account id to link, or null. */
  provisioned(hook: HookContext, user: StoredUser): Promise<number | null>;
  /**
   * An identity changed (PUT or PATCH; not called when nothing changed). Answer `delete` to have the identity removed
   * instead of kept (classic and org: a request that sets `active: false` deletes the identity,
   * https://docs.github.com/enterprise-cloud@latest/rest/scim/scim#update-an-attribute-for-a-scim-user).
   */
  updated(hook: HookContext, before: StoredUser, after: StoredUser, change: UserChange): Promise<'keep' | 'delete'>;
  /**
   * A request that sets `active: false` removes the identity even when it changes nothing (an identity provisioned
   * inactive and deactivated again): classic and org, where "setting active: false … deletes the external identity".
   */
  readonly deactivationDeletes?: boolean;
  /** DELETE (or an `updated` that answered `delete`): account effects, before the identity row is removed. */
  deleting(hook: HookContext, user: StoredUser): Promise<void>;
  /**
   * The stored resource as this dialect answers it, when that differs from what is stored (the managed dialect's
   * role values are stored in one form and answered in each product's spelling). Absent: answered as stored.
   */
  readonly present?: (resource: JsonObject) => JsonObject;
}

/** Membership change of one group, in GitHub account ids and SCIM identities. */
export interface MembershipChange {
  readonly added: readonly MemberRef[];
  readonly removed: readonly MemberRef[];
}

/** A dialect's Group semantics (dialects without Groups, like org SCIM, have none). */
export interface GroupHooks {
  /** Check and complete a group resource (no members) before it is stored. */
  prepare(resource: JsonObject, context: PrepareContext): JsonObject;
  /** A new group was stored (its initial members follow through `membersChanged`). */
  provisioned(hook: HookContext, group: StoredGroup): Promise<void>;
  /** Attributes other than members changed (a rename). */
  updated(hook: HookContext, before: StoredGroup, after: StoredGroup): Promise<void>;
  /**
   * Members were added or removed (net of the whole request). Called after the group's row was written in the same
   * transaction (inserted, or its version and `updated_at` moved), so the row is locked by this transaction.
   */
  membersChanged(hook: HookContext, group: StoredGroup, change: MembershipChange): Promise<void>;
  /** DELETE: before the group's rows are removed. */
  deleting(hook: HookContext, group: StoredGroup): Promise<void>;
}

/** Everything the generic services need to know about a dialect. */
export interface ScimRules {
  readonly dialect: ScimDialectName;
  readonly userSchema: ResourceSchema;
  readonly groupSchema: ResourceSchema | undefined;
  readonly users: UserHooks;
  readonly groups: GroupHooks | undefined;
  /** PATCH options for Users (e.g. `immutableAttributes: ['userName']` in the managed dialect). */
  readonly userPatch: PatchOptions;
  readonly groupPatch: PatchOptions;
  /**
   * PATCH operations whose path names a schema URN the dialect does not serve: `ignore` them (idp-quirks.md §9.4,
   * unless `config.strictScim`) or let the engine answer 400 `invalidPath`.
   */
  readonly unknownSchemaPaths: 'ignore' | 'reject';
  /**
   * Multi-valued attributes whose elements a POST, PUT or PATCH (add or replace of the whole attribute) may send as
   * plain strings, unless `config.strictScim` (GitHub's schemas type them as objects): `emails` in the classic and
   * organization dialects, whose reference examples send `"emails": ["octocat@github.com"]`. Stored as `{value}`, the
   * first one primary unless another is (or, for a PATCH add, the attribute already has values).
   */
  readonly stringElements?: readonly string[];
}
