/**
 * The `roles` of a managed identity and the enterprise role they give (github-semantics.md §3.4; openapi-contract.md
 * §5, §6, §9.4). Accepted: the current enum (`user`, `guest_collaborator`, `enterprise_owner`, `billing_manager` and
 * six Entra app-role GUIDs), the old GHES display forms (`User`, `Enterprise Owner`, `Billing Manager`,
 * `Restricted User`, `restricted_user`) in any case, and Entra's SingleAppRoleAssignment value that carries a JSON
 * document in a string (idp-quirks.md §2, entra-094). Stored and emitted in the enum's form, so responses validate
 * against GitHub's schema. With several roles the most privileged wins ("the role with more privileged access takes
 * precedence", EMU SCIM guide).
 */
import { ScimError, isJsonObject, type JsonObject, type JsonValue } from '../../../scim/engine/index.ts';
import type { EnterpriseRole } from '../../../storage/tables.ts';

type RoleName = 'user' | 'guest_collaborator' | 'enterprise_owner' | 'billing_manager';

/** GUIDs in the enum, mapped by their position in it (the enum lists each name followed by its GUIDs). */
const GUIDS: Readonly<Record<string, RoleName>> = {
  '27d9891d-2c17-4f45-a262-781a0e55c80a': 'user',
  '1ebc4a02-e56c-43a6-92a5-02ee09b90824': 'guest_collaborator',
  '981df190-8801-4618-a08a-d91f6206c954': 'enterprise_owner',
  'ba4987ab-a1c3-412a-b58c-360fc407cb10': 'enterprise_owner',
  '0e338b8c-cc7f-498a-928d-ea3470d7e7e3': 'billing_manager',
  'e6be2762-e4ad-4108-b72d-1bbe884a0f91': 'billing_manager',
};

const NAMES: Readonly<Record<string, RoleName>> = {
  user: 'user',
  guest_collaborator: 'guest_collaborator',
  restricted_user: 'guest_collaborator',
  enterprise_owner: 'enterprise_owner',
  billing_manager: 'billing_manager',
};

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
  const guid = GUIDS[trimmed.toLowerCase()];
  if (guid !== undefined) return { value: trimmed.toLowerCase(), role: guid };
  const name = NAMES[trimmed.toLowerCase().replace(/[\s-]+/g, '_')];
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
      throw ScimError.invalidValue(`roles[${index}].value "${value}" is not a GitHub role (user, guest_collaborator, enterprise_owner, billing_manager or their app-role ids)`);
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
