/**
 * The organization SCIM dialect's semantics (`/scim/v2/organizations/{org}/Users`, seed 003, openapi-contract.md §7,
 * github-semantics.md §3.1) as the hooks the generic SCIM services call. Users only: there are no Groups.
 *
 * - POST "provision[s] organization membership for a user, and send[s] an activation email": the identity is stored
 *   (and listed by `GET /Users`, which "includes pending invitations"), and the organization invites it
 *   (`org_invitations`, source `scim`): the GitHub account whose login equals `userName` when there is one (the
 *   identity is linked to it: `scim_users.user_id`), else the primary email. A former member (removed from the
 *   organization within the last 90 days, by the audit log) is reinstated as a member at once, without an invitation.
 *   An identity provisioned with `active: false` gets no invitation.
 * - `active: false` (PUT, or PATCH replace) "removes the user from the organization, deletes the external identity,
 *   and deletes the associated {scim_user_id}" (seed 003): the hook answers `delete`, the generic service removes the
 *   identity, and a later GET is 404. Only a request that sets `active` to false does so: an identity provisioned
 *   with `active: false` keeps through a PATCH or PUT that leaves `active` alone. DELETE does the same. Removal
 *   cancels the identity's pending invitations and takes the linked account out of the organization and its teams,
 *   whatever made it a member (the identity stands for that person's place in the organization), except the
 *   organization's last owner.
 * - An identity whose primary email is that of an organization member invites nobody (`grants.ts`).
 * - Every response carries `organization_id` (GitHub's `scim-user` shape), stored with the resource.
 */
import type { JsonObject } from '../../../scim/engine/index.ts';
import type { OrganizationRow } from '../../../storage/tables.ts';
import type { HookContext, PrepareContext, StoredUser, UserHooks } from '../types.ts';
import { findLinkableAccount, followEmailChange, grantOrgAccess, isFormerMember, removeAccountFromOrg, revokeOrgAccess } from './grants.ts';
import { ordered, prepareUser } from './user-resource.ts';

const USER_KEY_ORDER = ['schemas', 'externalId', 'userName', 'displayName', 'name', 'emails', 'active', 'roles', 'organization_id'];

function orgOf(tenant: { org: OrganizationRow | null }): OrganizationRow {
  if (tenant.org === null) throw new TypeError('organization SCIM needs an organization tenant');
  return tenant.org;
}

/** Invites (or reinstates) the identity in its organization. */
async function admit(hook: HookContext, user: StoredUser, userId: number | null): Promise<void> {
  const org = orgOf(hook.tenant);
  const mode = userId !== null && (await isFormerMember(hook, org, userId)) ? 'member' : 'invite';
  await grantOrgAccess(hook, { rowId: user.rowId, userId, resource: user.resource }, org, mode, null);
}

export const orgUserHooks: UserHooks = {
  prepare(input: JsonObject, context: PrepareContext): JsonObject {
    const resource = prepareUser(input, context, { schemasRequired: false, email: 'value' });
    resource.organization_id = orgOf(context.tenant).id;
    return ordered(resource, USER_KEY_ORDER);
  },

  reservedLogin: () => null,

  async provisioned(hook, user) {
    const account = await findLinkableAccount(hook, user.userName);
    const userId = account?.id ?? null;
    if (user.active) await admit(hook, user, userId);
    return userId;
  },

  // Only a request that sets `active: false` deprovisions; an identity provisioned inactive stays through other
  // changes (and gets its invitation when a request activates it).
  deactivationDeletes: true,

  async updated(hook, before, after, change) {
    if (change.deactivates) return 'delete';
    if (!after.active) return 'keep';
    if (!before.active) await admit(hook, after, after.userId);
    else await followEmailChange(hook, after.rowId, after.resource);
    return 'keep';
  },

  async deleting(hook, user) {
    await revokeOrgAccess(hook, { scimUserRowId: user.rowId });
    if (user.userId !== null) await removeAccountFromOrg(hook, orgOf(hook.tenant), user.userId);
  },
};
