/**
 * The `roles` of a managed identity, the enterprise role they give, and how each product spells them. One module
 * for every role value Gatehouse knows, so the discovery documents can advertise exactly these.
 *
 * Accepted on both products, in any letter case and with spaces, `-` or `_` between words: the value names of
 * GitHub's current `user-role` enum (`user`, `guest_collaborator`, `enterprise_owner`, `billing_manager`; ghec and
 * ghes-3.10+ OpenAPI descriptions, https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim), the
 * display forms of GitHub Enterprise Server's instance SCIM (`User`, `Restricted User`, `Enterprise Owner`,
 * `Billing Manager`, and `restricted_user`; https://docs.github.com/enterprise-server@3.9/rest/enterprise-admin/scim,
 * whose examples send and return `"value": "User"`), the six Entra app-role GUIDs of the enum, and Entra's
 * SingleAppRoleAssignment value that carries a JSON document in a string.
 *
 * Stored in the enum's form (GUIDs kept); emitted in the spelling of the product the request reached
 * (`presentRoles`): Enterprise Managed Users answer the enum's names, GitHub Enterprise Server's instance paths the
 * display forms. A GUID is emitted as a GUID (lower case) on both. With several roles the most privileged wins ("the
 * role with more privileged access takes precedence", https://docs.github.com/enterprise-cloud@latest/admin/managing-iam/provisioning-user-accounts-with-scim/provisioning-users-and-groups-with-scim-using-the-rest-api).
 */
import { ScimError, isJsonObject, type JsonObject, type JsonValue } from '../../../scim/engine/index.ts';
import type { EnterpriseRole } from '../../../storage/tables.ts';
import type { ManagedProduct } from './login.ts';

/** The four roles, by the names of GitHub's `user-role` enum. */
export type RoleName = 'user' | 'guest_collaborator' | 'enterprise_owner' | 'billing_manager';

/** The role names in the enum's order. */
export const ROLE_NAMES: readonly RoleName[] = ['user', 'guest_collaborator', 'enterprise_owner', 'billing_manager'];

/** Entra app-role GUIDs of the enum, mapped by their position in it (the enum lists each name followed by its GUIDs). */
export const ROLE_GUIDS: Readonly<Record<string, RoleName>> = {
  '27d9891d-2c17-4f45-a262-781a0e55c80a': 'user',
  '1ebc4a02-e56c-43a6-92a5-02ee09b90824': 'guest_collaborator',
  '981df190-8801-4618-a08a-d91f6206c954': 'enterprise_owner',
  'ba4987ab-a1c3-412a-b58c-360fc407cb10': 'enterprise_owner',
  '0e338b8c-cc7f-498a-928d-ea3470d7e7e3': 'billing_manager',
  'e6be2762-e4ad-4108-b72d-1bbe884a0f91': 'billing_manager',
};

/**
 * Every accepted spelling of each role, in the form matching compares (lower case, words joined by `_`); a value is
 * looked up after the same folding, so `Enterprise Owner`, `enterprise-owner` and `ENTERPRISE_OWNER` all match.
 */
export const ROLE_ALIASES: Readonly<Record<string, RoleName>> = {
  user: 'user',
  guest_collaborator: 'guest_collaborator',
  restricted_user: 'guest_collaborator',
  enterprise_owner: 'enterprise_owner',
  billing_manager: 'billing_manager',
};

/** How each product spells a role in its responses. */
export const ROLE_SPELLINGS: Readonly<Record<ManagedProduct, Readonly<Record<RoleName, string>>>> = {
  // ghec `user-role` enum.
  emu: { user: 'user', guest_collaborator: 'guest_collaborator', enterprise_owner: 'enterprise_owner', billing_manager: 'billing_manager' },
  // GHES instance SCIM's display forms (its guest role is the restricted user).
  ghes: { user: 'User', guest_collaborator: 'Restricted User', enterprise_owner: 'Enterprise Owner', billing_manager: 'Billing Manager' },
};

/** The role values a product answers with (its spellings, then the GUIDs): `roles.value`'s canonical values. */
export function canonicalRoleValues(product: ManagedProduct): string[] {
  return [...ROLE_NAMES.map((name) => ROLE_SPELLINGS[product][name]), ...Object.keys(ROLE_GUIDS)];
}

/** Privilege order, least first. */
const RANK: readonly RoleName[] = ['guest_collaborator', 'user', 'billing_manager', 'enterprise_owner'];

const ENTERPRISE_ROLE: Readonly<Record<RoleName, EnterpriseRole>> = {
  user: 'member',
  guest_collaborator: 'guest_collaborator',
  enterprise_owner: 'owner',
  billing_manager: 'billing_manager',
};

/** A role value in the enum's form (GUIDs kept, display forms snake_cased), or undefined. */
function canonicalValue(value: string): { value: string; role: RoleName } | undefined {
  const trimmed = value.trim();
  const guid = ROLE_GUIDS[trimmed.toLowerCase()];
  if (guid !== undefined) return { value: trimmed.toLowerCase(), role: guid };
  const name = ROLE_ALIASES[trimmed.toLowerCase().replace(/[\s-]+/g, '_')];
  if (name !== undefined) return { value: name, role: name };
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (isJsonObject(parsed)) {
        for (const key of ['id', 'value', 'displayName']) {
          const inner = parsed[key];
          const found = typeof inner === 'string' ? canonicalValue(inner) : undefined;
          if (found !== undefined) return found;
        }
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The `roles` attribute with every value in the enum's form.
 *
 * @throws ScimError 400 `invalidValue` naming a value GitHub does not know
 */
export function canonicalRoles(roles: JsonValue | undefined): JsonObject[] | undefined {
  if (roles === undefined || roles === null) return undefined;
  const list = Array.isArray(roles) ? roles : [roles];
  const out: JsonObject[] = [];
  list.forEach((role, index) => {
    if (!isJsonObject(role)) throw ScimError.invalidValue(`roles[${index}] must be an object`);
    const value = role.value;
    if (typeof value !== 'string') throw ScimError.invalidValue(`roles[${index}].value is required`);
    const canonical = canonicalValue(value);
    if (canonical === undefined) {
      throw ScimError.invalidValue(`roles[${index}].value "${value}" is not a GitHub role (user, guest_collaborator or restricted_user, enterprise_owner, billing_manager, or their app-role ids)`);
    }
    out.push({ ...role, value: canonical.value });
  });
  return out.length === 0 ? undefined : out;
}

/** The enterprise role a user's roles give: the most privileged; `member` without roles. */
export function enterpriseRoleOf(roles: JsonValue | undefined): EnterpriseRole {
  const list = Array.isArray(roles) ? roles : [];
  let best: RoleName | undefined;
  for (const role of list) {
    const value = isJsonObject(role) && typeof role.value === 'string' ? canonicalValue(role.value) : undefined;
    if (value !== undefined && (best === undefined || RANK.indexOf(value.role) > RANK.indexOf(best))) best = value.role;
  }
  return ENTERPRISE_ROLE[best ?? 'user'];
}

/**
 * Stored roles (the enum's names, or GUIDs) as `product` spells them in responses; other attributes of each role
 * object are kept. A value that is not a known name (a GUID) is emitted as stored.
 */
export function presentRoles(roles: JsonValue | undefined, product: ManagedProduct): JsonValue | undefined {
  if (!Array.isArray(roles)) return roles;
  return roles.map((role) => {
    if (!isJsonObject(role) || typeof role.value !== 'string') return role;
    const name = ROLE_ALIASES[role.value];
    return name === undefined ? role : { ...role, value: ROLE_SPELLINGS[product][name] };
  });
}
