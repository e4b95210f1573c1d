/**
 * The classic enterprise SCIM dialect's semantics (GHEC's 2020-era enterprise SCIM beta, seed 000 "SCIM" section and
 * seed 001; openapi-contract.md §9.5; github-semantics.md §3.1) as the hooks the generic SCIM services call.
 *
 * Users ("Provision and invite a SCIM enterprise user"):
 * - POST records the external identity, which is the enterprise membership the identity provider asked for (`GET
 *   /Users` lists "all provisioned enterprise members, including pending invitations"); GitHub's enterprise
 *   membership follows from organization membership, so no `enterprise_members` row is written. An identity whose
 *   `userName` equals a GitHub login is linked to that account (`scim_users.user_id`).
 * - POST `groups[].value` names SCIM groups the user joins; for each, the user is invited to that group's
 *   organization ("send organization invitation emails … If you do not provide a list of groups … no organization
 *   invitation emails will be sent"): the linked account is invited (`org_invitations.invitee_id`), else the primary
 *   email. An unknown group id is 400 `invalidValue` and nothing is created. `groups` on PUT and PATCH is ignored
 *   (RFC 7643 makes it read-only; Okta echoes `groups: []` in every PUT): membership changes go through /Groups.
 * - `active: false` (PUT, or PATCH replace) "removes the user from the enterprise, deletes the external identity, and
 *   deletes the associated {scim_user_id}": the hook answers `delete`; the user leaves every organization where SCIM
 *   put them (and only those: a membership SCIM found in place stays) and a later GET is 404. DELETE does the same
 *   (undocumented there; inferred, github-semantics.md §3.1). `userName` may change (idp-quirks.md §9.3).
 * - Required per the 2020 contract: `schemas`, `userName`, `name{givenName,familyName}`, `emails[{value,type,primary}]`;
 *   lenient by default (idp-quirks.md §9.1), enforced with `config.strictScim`. `roles` is not a classic attribute
 *   and is dropped (GitHub's current response schema restricts its values to the managed roles).
 *
 * Groups ("SCIM groups are matched with GitHub organizations that have the exact same name, and are owned by the
 * enterprise account"):
 * - `displayName` must be the login of an organization of this enterprise (case-insensitively, as logins are);
 *   anything else is 400 `invalidValue` (POST Groups documents no 404, and 404 would read as "no such enterprise").
 *   One group per organization: a second group for the same organization is 409 `uniqueness`. A rename re-maps the
 *   group (the old organization's SCIM access is taken back, the new one's given).
 * - A member is invited to the organization (the group POST "sends invitation emails to the email address of the
 *   invited users to join the GitHub organization that the SCIM group corresponds to"): the account the identity is
 *   linked to, else its primary email. Someone already in the organization (a member, by linked account or by the
 *   account's email address, or already invited) gets no invitation, and SCIM owns nothing there. Removing a member,
 *   or deleting the group, takes back exactly what the membership created (`scim_org_grants`): the pending
 *   invitation, or the membership an accepted invitation of a linked account became.
 * - Responses carry `externalId: null` when the group has none, as GitHub's classic examples do.
 */
import { GROUP_SCHEMA_ID, ScimError, isJsonObject, type JsonObject } from '../../../scim/engine/index.ts';
import { withScimTables } from '../../../storage/scim-filter-sql.ts';
import type { OrganizationRow } from '../../../storage/tables.ts';
import { recordAudit } from '../../audit.ts';
import * as repo from '../repository.ts';
import type { GroupHooks, HookContext, MemberRef, PrepareContext, StoredGroup, StoredUser, UserHooks } from '../types.ts';
import { findLinkableAccount, followEmailChange, grantOrgAccess, revokeOrgAccess } from '../org/grants.ts';
import { withGrantTables } from '../org/tables.ts';
import { missing, nonEmptyString, ordered, prepareUser } from '../org/user-resource.ts';

const USER_KEY_ORDER = ['schemas', 'externalId', 'userName', 'displayName', 'name', 'emails', 'groups', 'active'];

function enterpriseId(hook: { tenant: HookContext['tenant'] }): number {
  const { enterprise } = hook.tenant;
  if (enterprise === null) throw new TypeError('classic SCIM needs an enterprise tenant');
  return enterprise.id;
}

function nowIso(hook: HookContext): string {
  return hook.ctx.clock.now().toISOString();
}

/** The group ids a POST body's `groups` names (`[{value}]`, or plain strings as the org contract types them). */
function requestedGroupIds(resource: JsonObject): string[] {
  const groups = resource.groups;
  if (!Array.isArray(groups)) return [];
  const ids = groups.flatMap((g) => {
    if (typeof g === 'string') return g === '' ? [] : [g];
    return isJsonObject(g) && nonEmptyString(g.value) ? [g.value] : [];
  });
  return [...new Set(ids)];
}

/** The organization a classic group stands for, if it still exists. */
async function mappedOrg(hook: HookContext, groupRowId: number): Promise<OrganizationRow | undefined> {
  return withGrantTables(hook.db)
    .selectFrom('scim_classic_group_orgs as m')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .selectAll('o')
    .where('m.group_id', '=', groupRowId)
    .executeTakeFirst();
}

/** The enterprise's organization whose login is `displayName`; 400 when there is none. */
async function organizationNamed(hook: HookContext, displayName: string): Promise<OrganizationRow> {
  const org = await hook.db
    .selectFrom('organizations')
    .selectAll()
    .where('login_lower', '=', displayName.toLowerCase())
    .where('enterprise_id', '=', enterpriseId(hook))
    .executeTakeFirst();
  if (org === undefined) {
    throw ScimError.invalidValue(
      `displayName "${displayName}" must be the name of an organization owned by the enterprise ${hook.tenant.enterprise?.slug ?? ''}; there is none`,
    );
  }
  return org;
}

/** Maps the group to the organization; 409 when another group of the enterprise already stands for it. */
async function claimOrganization(hook: HookContext, group: StoredGroup, org: OrganizationRow): Promise<void> {
  const db = withGrantTables(hook.db);
  const holder = await db
    .selectFrom('scim_classic_group_orgs as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select('g.scim_id')
    .where('m.org_id', '=', org.id)
    .where('m.group_id', '<>', group.rowId)
    .executeTakeFirst();
  if (holder !== undefined) throw ScimError.uniqueness(`The organization "${org.login}" is already provisioned as group ${holder.scim_id}`);
  await db.deleteFrom('scim_classic_group_orgs').where('group_id', '=', group.rowId).execute();
  await db.insertInto('scim_classic_group_orgs').values({ group_id: group.rowId, org_id: org.id, created_at: nowIso(hook) }).execute();
}

/**
 * Gives each of these identities (the active ones) access to the group's organization: an invitation ("Provision an
 * enterprise group, and invite users to the group", seed 000), to the linked account or else the primary email;
 * nothing for someone already a member (or already invited), `grantOrgAccess`.
 */
async function grantMembers(hook: HookContext, org: OrganizationRow, groupRowId: number, refs: readonly MemberRef[]): Promise<void> {
  for (const ids of repo.chunked(refs.map((r) => r.rowId))) {
    const rows = await hook.db.selectFrom('scim_users').select(['id', 'user_id', 'active', 'resource']).where('id', 'in', ids).orderBy('id').execute();
    for (const row of rows) {
      if (row.active !== 1) continue;
      const resource = JSON.parse(row.resource) as JsonObject;
      await grantOrgAccess(hook, { rowId: row.id, userId: row.user_id, resource }, org, 'invite', groupRowId);
    }
  }
}

/** POST `groups`: the new identity joins those groups and is invited to their organizations. */
async function joinRequestedGroups(hook: HookContext, user: StoredUser, userId: number | null): Promise<void> {
  const ids = requestedGroupIds(user.resource);
  if (ids.length === 0) return;
  const db = withScimTables(hook.db);
  const groups: StoredGroup[] = [];
  for (const id of ids) {
    const group = await repo.findGroup(db, hook.tenant.scope, id);
    if (group === undefined) throw ScimError.invalidValue(`groups: no provisioned Group has the id ${JSON.stringify(id)}`);
    groups.push(group);
  }
  const now = nowIso(hook);
  for (const group of groups) {
    await repo.insertMembers(db, group.rowId, [user.rowId]);
    await db.updateTable('scim_groups').set((eb) => ({ version: eb('version', '+', 1), updated_at: now })).where('id', '=', group.rowId).execute();
    await recordAudit(hook.db, hook.ctx.clock, {
      action: 'external_group.update',
      enterpriseId: enterpriseId(hook),
      actor: hook.actor,
      data: { dialect: 'classic', scim_id: group.scimId, group_id: group.rowId, display_name: group.displayName, external_id: group.externalId, members_added: 1, members_removed: 0 },
    });
    const org = user.active ? await mappedOrg(hook, group.rowId) : undefined;
    if (org !== undefined) await grantOrgAccess(hook, { rowId: user.rowId, userId, resource: user.resource }, org, 'invite', group.rowId);
  }
}

export const classicUserHooks: UserHooks = {
  prepare(input, context: PrepareContext) {
    const resource = prepareUser(input, context, { schemasRequired: true, email: 'value-type-primary' });
    delete resource.roles;
    // `groups` means something only on POST (see above); it is stored until `provisioned` has used it.
    if (context.kind === 'create') {
      const ids = requestedGroupIds(resource);
      if (ids.length > 0) resource.groups = ids.map((value) => ({ value }));
      else delete resource.groups;
    } else {
      delete resource.groups;
    }
    return ordered(resource, USER_KEY_ORDER);
  },

  reservedLogin: () => null,

  async provisioned(hook, user) {
    const account = await findLinkableAccount(hook, user.userName);
    const userId = account?.id ?? null;
    await joinRequestedGroups(hook, user, userId);
    if (user.resource.groups !== undefined) {
      // The memberships are rows now; the stored resource keeps no copy that could go stale.
      const { groups: _groups, ...rest } = user.resource;
      await hook.db.updateTable('scim_users').set({ resource: JSON.stringify(rest) }).where('id', '=', user.rowId).execute();
    }
    return userId;
  },

  // Only a request that sets `active: false` deprovisions (see `UserChange`); an identity provisioned inactive
  // stays through other changes.
  deactivationDeletes: true,

  async updated(hook, before, after, change) {
    if (change.deactivates) return 'delete';
    if (!after.active) return 'keep';
    if (!before.active) {
      // Activated: the access its groups give, which an inactive identity did not get.
      const groupIds = await repo.groupIdsOfUser(withScimTables(hook.db), after.rowId);
      for (const groupId of groupIds) {
        const org = await mappedOrg(hook, groupId);
        if (org !== undefined) await grantMembers(hook, org, groupId, [{ rowId: after.rowId, scimId: after.scimId, userId: after.userId }]);
      }
    } else {
      await followEmailChange(hook, after.rowId, after.resource);
    }
    return 'keep';
  },

  async deleting(hook, user) {
    await revokeOrgAccess(hook, { scimUserRowId: user.rowId });
  },
};

export const classicGroupHooks: GroupHooks = {
  prepare(input, context) {
    const resource: JsonObject = { ...input, schemas: [GROUP_SCHEMA_ID] };
    if (context.strict && context.kind !== 'patch') {
      const schemas = input.schemas;
      if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === GROUP_SCHEMA_ID.toLowerCase())) {
        throw ScimError.invalidValue(`schemas must contain "${GROUP_SCHEMA_ID}"`);
      }
    }
    if (!nonEmptyString(resource.displayName)) throw missing('displayName');
    const previous = context.previous;
    if (previous !== undefined && context.kind === 'replace' && resource.externalId === undefined && typeof previous.externalId === 'string') {
      resource.externalId = previous.externalId;
    }
    if (resource.externalId === undefined) resource.externalId = null;
    return ordered(resource, ['schemas', 'externalId', 'displayName']);
  },

  async provisioned(hook, group) {
    await claimOrganization(hook, group, await organizationNamed(hook, group.displayName));
  },

  async updated(hook, before, after) {
    if (before.displayName.toLowerCase() === after.displayName.toLowerCase()) return;
    const org = await organizationNamed(hook, after.displayName);
    await claimOrganization(hook, after, org);
    // What the group gave in the old organization goes; its members get the new one.
    await revokeOrgAccess(hook, { groupRowId: after.rowId });
    const members = await repo.selectMembers(withScimTables(hook.db), after.rowId);
    await grantMembers(hook, org, after.rowId, members);
  },

  async membersChanged(hook, group, change) {
    const org = await mappedOrg(hook, group.rowId);
    if (org === undefined) return;
    for (const ref of change.removed) await revokeOrgAccess(hook, { scimUserRowId: ref.rowId, orgId: org.id });
    await grantMembers(hook, org, group.rowId, change.added);
  },

  async deleting(hook, group) {
    await revokeOrgAccess(hook, { groupRowId: group.rowId });
  },
};

