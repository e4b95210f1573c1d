/**
 * The managed dialect's semantics (GHES 3.10+ instance SCIM and Enterprise Managed Users; seed 002,
 * openapi-contract.md §5–§6, github-semantics.md §3.2–§3.7) as the hooks the generic SCIM services call.
 *
 * Required attributes follow GitHub's contract (`schemas`, `externalId`, `userName`, `active`, `displayName`,
 * `emails` with `value`/`type`/`primary`; `name.givenName`/`familyName` when `name` is sent; Groups: `schemas`,
 * `externalId`, `displayName`) with the leniency of idp-quirks.md §9 unless `config.strictScim`:
 * - a missing `displayName` is derived from `name` or `userName`; missing `externalId` and `emails` are accepted;
 * - PUT without `externalId` keeps the stored one (Okta echoes resources without it, §9.5), and PUT without
 *   `active` keeps the stored state (an omission is neither a deactivation nor a reactivation);
 * - `userName` cannot change (400 `mutability`, §9.3).
 */
import {
  GROUP_SCHEMA_ID,
  ScimError,
  USER_SCHEMA_ID,
  isJsonObject,
  type JsonObject,
  type JsonValue,
} from '../../../scim/engine/index.ts';
import { syncGroupDeleted, syncGroupMembers, syncGroupUpdated } from '../../external-groups/sync.ts';
import type { GroupHooks, PrepareContext, UserHooks } from '../types.ts';
import { deprovisionAccount, provisionAccount, updateAccount } from './accounts.ts';
import { loginFor, type ManagedProduct } from './login.ts';
import { canonicalRoles, presentRoles } from './roles.ts';

function missing(name: string): ScimError {
  return ScimError.invalidValue(`${name} is required`);
}

function nonEmptyString(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** `schemas` must name the core schema in strict mode; stored as exactly that schema (GitHub's response enum). */
function checkSchemas(input: JsonObject, schemaId: string, context: PrepareContext): void {
  if (!context.strict || context.kind === 'patch') return;
  const schemas = input.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === schemaId.toLowerCase())) {
    throw ScimError.invalidValue(`schemas must contain "${schemaId}"`);
  }
}

/** displayName from `name.formatted`, `givenName familyName`, or `userName`. */
function derivedDisplayName(resource: JsonObject): string | undefined {
  const name = resource.name;
  if (isJsonObject(name)) {
    if (nonEmptyString(name.formatted)) return name.formatted;
    const parts = [name.givenName, name.familyName].filter(nonEmptyString);
    if (parts.length > 0) return parts.join(' ');
  }
  return nonEmptyString(resource.userName) ? resource.userName : undefined;
}

function checkStrictUser(resource: JsonObject): void {
  if (!nonEmptyString(resource.externalId)) throw missing('externalId');
  if (typeof resource.active !== 'boolean') throw missing('active');
  if (!nonEmptyString(resource.displayName)) throw missing('displayName');
  const emails = resource.emails;
  if (!Array.isArray(emails) || emails.length === 0) throw missing('emails');
  emails.forEach((email, index) => {
    if (!isJsonObject(email)) throw ScimError.invalidValue(`emails[${index}] must be an object`);
    if (!nonEmptyString(email.value)) throw missing(`emails[${index}].value`);
    if (!nonEmptyString(email.type)) throw missing(`emails[${index}].type`);
    if (typeof email.primary !== 'boolean') throw missing(`emails[${index}].primary`);
  });
  const name = resource.name;
  if (isJsonObject(name)) {
    if (!nonEmptyString(name.givenName)) throw missing('name.givenName');
    if (!nonEmptyString(name.familyName)) throw missing('name.familyName');
  }
}

/** Key order of stored (and so emitted) resources: GitHub's documented order, then the rest as sent. */
function ordered(resource: JsonObject, first: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of first) if (resource[key] !== undefined) out[key] = resource[key];
  for (const [key, value] of Object.entries(resource)) if (!(key in out)) out[key] = value;
  return out;
}

const USER_KEY_ORDER = ['schemas', 'externalId', 'active', 'userName', 'name', 'displayName', 'emails', 'roles'];

/**
 * The User hooks of one product: `emu` (Enterprise Managed Users: `_shortcode` logins, always a new account, roles
 * answered in the enum's names) or `ghes` (the instance's own SCIM: logins without suffix, an existing account of
 * that login linked, roles answered in GHES's display forms). See `login.ts`, `accounts.ts` and `roles.ts`.
 */
export function managedUserHooksFor(product: ManagedProduct): UserHooks {
  return {
    prepare(input, context) {
      checkSchemas(input, USER_SCHEMA_ID, context);
      const resource: JsonObject = { ...input, schemas: [USER_SCHEMA_ID] };
      const previous = context.previous;
      if (!nonEmptyString(resource.userName)) throw missing('userName');
      if (previous !== undefined && resource.userName !== previous.userName) {
        throw ScimError.mutability('userName cannot be changed on a managed user');
      }
      if (context.kind === 'create') loginFor(product, resource.userName, context.tenant.enterprise?.shortcode ?? 'x');
      if (previous !== undefined && context.kind === 'replace' && resource.externalId === undefined && previous.externalId !== undefined) {
        resource.externalId = previous.externalId;
      }
      if (resource.active === undefined) {
        if (context.strict) throw missing('active');
        resource.active = previous === undefined ? true : previous.active !== false;
      }
      if (!nonEmptyString(resource.displayName) && !context.strict) {
        const derived = derivedDisplayName(resource);
        if (derived !== undefined) resource.displayName = derived;
      }
      const roles = canonicalRoles(resource.roles);
      if (roles === undefined) delete resource.roles;
      else resource.roles = roles;
      if (context.strict) checkStrictUser(resource);
      return ordered(resource, USER_KEY_ORDER);
    },

    reservedLogin(resource, tenant) {
      const shortcode = tenant.enterprise?.shortcode;
      if (shortcode === undefined || !nonEmptyString(resource.userName)) return null;
      return loginFor(product, resource.userName, shortcode).toLowerCase();
    },

    provisioned: (hook, user) => provisionAccount(hook, user, product),

    async updated(hook, before, after) {
      await updateAccount(hook, before, after);
      return 'keep';
    },

    deleting: (hook, user) => deprovisionAccount(hook, user),

    present(resource) {
      if (resource.roles === undefined) return resource;
      const roles = presentRoles(resource.roles, product);
      return roles === undefined ? resource : { ...resource, roles };
    },
  };
}

/** Enterprise Managed Users (`/scim/v2/enterprises/{enterprise}` on a managed enterprise). */
export const managedUserHooks: UserHooks = managedUserHooksFor('emu');

/** GitHub Enterprise Server's instance SCIM (`/scim/v2`, `/api/v3/scim/v2`). */
export const instanceUserHooks: UserHooks = managedUserHooksFor('ghes');

export const managedGroupHooks: GroupHooks = {
  prepare(input, context) {
    checkSchemas(input, GROUP_SCHEMA_ID, context);
    const resource: JsonObject = { ...input, schemas: [GROUP_SCHEMA_ID] };
    if (!nonEmptyString(resource.displayName)) throw missing('displayName');
    const previous = context.previous;
    if (previous !== undefined && context.kind === 'replace' && resource.externalId === undefined && previous.externalId !== undefined) {
      resource.externalId = previous.externalId;
    }
    if (context.strict && !nonEmptyString(resource.externalId)) throw missing('externalId');
    return ordered(resource, ['schemas', 'externalId', 'displayName']);
  },

  async provisioned() {
    // The group is the external group (`scim_groups.id` is its `group_id`); teams link to it later.
  },

  async updated(hook, before, after) {
    if (before.displayName !== after.displayName || before.externalId !== after.externalId) {
      await syncGroupUpdated(hook.db, hook.ctx, after.rowId, hook.actor);
    }
  },

  async membersChanged(hook, group, change) {
    const ids = (refs: typeof change.added): number[] => refs.flatMap((r) => (r.userId === null ? [] : [r.userId]));
    // The SCIM layer has written the group's row (version, `updated_at`) in this transaction (`GroupHooks`).
    await syncGroupMembers(hook.db, hook.ctx, group.rowId, { addedUserIds: ids(change.added), removedUserIds: ids(change.removed) }, hook.actor, { groupTouched: true });
  },

  deleting: (hook, group) => syncGroupDeleted(hook.db, hook.ctx, group.rowId, hook.actor),
};
