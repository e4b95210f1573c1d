/**
 * Organization access given by SCIM, and taken back by it: the part the classic and organization dialects share
 * (github-semantics.md §3.1). A grant is one SCIM identity's access to one organization:
 * - an identity linked to a GitHub account gets an invitation addressed to that account (`invite`: "provision and
 *   invite", seeds 000 and 003; a classic group's members) or an active membership (`member`: a former member being
 *   reinstated); an account that is already a member, or already invited, is left as it is and SCIM owns nothing;
 * - an identity without an account gets an invitation to its primary email ("an external identity is created that
 *   matches with the invitee's email address", seed 003), unless that address is a member's; without an email there
 *   is nobody to invite.
 * Invitations carry `source: 'scim'` (`invitation_source: "scim"` on `GET /orgs/{org}/invitations`).
 * Every grant is stored (`scim_org_grants`, migration 0008) with what it created, so taking it back (removal from a
 * classic group, `active: false`, DELETE) cancels that invitation or removes that membership and nothing else.
 * Audit: `org.invite_member`, `org.add_member`, `org.cancel_invitation`, `org.remove_member`, in the request's
 * transaction like every SCIM change.
 */
import type { JsonObject } from '../../../scim/engine/index.ts';
import type { OrganizationRow, UserRow } from '../../../storage/tables.ts';
import { addOrgMember } from '../../accounts/accounts.ts';
import { recordAudit } from '../../audit.ts';
import { inviteUserToOrg } from '../../orgs/service.ts';
import type { HookContext } from '../types.ts';
import { primaryEmail } from '../users.ts';
import { withGrantTables, type ScimOrgGrantTable } from './tables.ts';
import type { Selectable } from 'kysely';

/** How a linked account gets its access: an invitation it accepts, or a membership at once. */
export type GrantMode = 'invite' | 'member';

/** The identity being given access: its row, its linked account, and its resource (for the email). */
export interface GrantSubject {
  readonly rowId: number;
  readonly userId: number | null;
  readonly resource: JsonObject;
}

type GrantRow = Selectable<ScimOrgGrantTable>;

/** GitHub reinstates "a former member" removed within the last three months (docs: reinstating a former member). */
const REINSTATE_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;

function nowIso(hook: HookContext): string {
  return hook.ctx.clock.now().toISOString();
}

/** Whether the account already stands in the organization: an active member or an open invitation. */
async function hasStanding(hook: HookContext, orgId: number, userId: number): Promise<boolean> {
  const member = await hook.db.selectFrom('org_members').select('user_id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  if (member !== undefined) return true;
  const invited = await hook.db.selectFrom('org_invitations').select('id').where('org_id', '=', orgId).where('invitee_id', '=', userId).executeTakeFirst();
  return invited !== undefined;
}

/**
 * Whether an email address is that of an account already a member of the organization: such a person is not
 * invited again ("Provision an enterprise group, and invite users to the group", seed 000: the invitation is for
 * those not yet in the organization), even when their identity is not linked to the account by login.
 */
async function isMemberEmail(hook: HookContext, orgId: number, email: string): Promise<boolean> {
  const member = await hook.db
    .selectFrom('org_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select('u.id')
    .where('m.org_id', '=', orgId)
    .where((eb) => eb(eb.fn('lower', ['u.email']), '=', email.toLowerCase()))
    .executeTakeFirst();
  return member !== undefined;
}

/**
 * An invitation to an email address (nobody's account yet), audited as GitHub's `org.invite_member`; none when that
 * address is already invited or belongs to a member.
 */
async function inviteEmail(hook: HookContext, org: OrganizationRow, email: string): Promise<number | null> {
  if (await isMemberEmail(hook, org.id, email)) return null;
  const open = await hook.db
    .selectFrom('org_invitations')
    .select('id')
    .where('org_id', '=', org.id)
    .where('invitee_id', 'is', null)
    .where('email', '=', email)
    .executeTakeFirst();
  if (open !== undefined) return null;
  const invitation = await hook.db
    .insertInto('org_invitations')
    .values({
      org_id: org.id,
      invitee_id: null,
      login: null,
      email,
      role: 'direct_member',
      inviter_id: hook.actor?.id ?? null,
      source: 'scim',
      created_at: nowIso(hook),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(hook.db, hook.ctx.clock, {
    action: 'org.invite_member',
    enterpriseId: org.enterprise_id,
    orgId: org.id,
    actor: hook.actor,
    data: { org: org.login, invitation_id: invitation.id, email, role: 'direct_member', invitation_source: 'scim', new_invitation: true },
  });
  return invitation.id;
}

/**
 * Gives an identity access to an organization (idempotent: an identity has at most one grant per organization).
 *
 * @param groupRowId - the classic group giving the access, or null (organization SCIM)
 */
export async function grantOrgAccess(hook: HookContext, subject: GrantSubject, org: OrganizationRow, mode: GrantMode, groupRowId: number | null): Promise<void> {
  const db = withGrantTables(hook.db);
  const existing = await db.selectFrom('scim_org_grants').select('id').where('scim_user_id', '=', subject.rowId).where('org_id', '=', org.id).executeTakeFirst();
  if (existing !== undefined) return;
  let invitationId: number | null = null;
  let memberUserId: number | null = null;
  if (subject.userId !== null) {
    const account = await hook.db.selectFrom('users').selectAll().where('id', '=', subject.userId).executeTakeFirst();
    if (account !== undefined && !(await hasStanding(hook, org.id, account.id))) {
      memberUserId = account.id;
      if (mode === 'member') {
        await addOrgMember(hook.ctx, hook.db, org, account, 'member', hook.actor);
      } else {
        const invitation = await inviteUserToOrg(hook.ctx, hook.db, org, account, hook.actor, { role: 'direct_member', source: 'scim' });
        invitationId = invitation.id;
      }
    }
  } else {
    const email = primaryEmail(subject.resource);
    if (email !== null) invitationId = await inviteEmail(hook, org, email);
  }
  await db
    .insertInto('scim_org_grants')
    .values({ scim_user_id: subject.rowId, org_id: org.id, group_id: groupRowId, invitation_id: invitationId, member_user_id: memberUserId, created_at: nowIso(hook) })
    .execute();
}

async function cancelInvitation(hook: HookContext, org: OrganizationRow, invitationId: number): Promise<void> {
  const invitation = await hook.db.selectFrom('org_invitations').selectAll().where('id', '=', invitationId).where('org_id', '=', org.id).executeTakeFirst();
  if (invitation === undefined) return;
  await hook.db.deleteFrom('org_invitations').where('id', '=', invitation.id).execute();
  const invitee = invitation.invitee_id === null ? undefined : await hook.db.selectFrom('users').select(['id', 'login']).where('id', '=', invitation.invitee_id).executeTakeFirst();
  await recordAudit(hook.db, hook.ctx.clock, {
    action: 'org.cancel_invitation',
    enterpriseId: org.enterprise_id,
    orgId: org.id,
    actor: hook.actor,
    user: invitee ?? null,
    data: { org: org.login, invitation_id: invitation.id, email: invitation.email, reason: 'scim' },
  });
}

/**
 * Takes an account out of an organization and its teams (GitHub drops team memberships with the org membership).
 * The organization's last owner stays: GitHub never leaves an organization without an owner.
 */
async function removeMember(hook: HookContext, org: OrganizationRow, userId: number): Promise<void> {
  const member = await hook.db.selectFrom('org_members').select('role').where('org_id', '=', org.id).where('user_id', '=', userId).executeTakeFirst();
  if (member === undefined) return;
  if (member.role === 'admin') {
    const owners = await hook.db.selectFrom('org_members').select('user_id').where('org_id', '=', org.id).where('role', '=', 'admin').limit(2).execute();
    if (owners.length < 2) return;
  }
  await hook.db.deleteFrom('org_members').where('org_id', '=', org.id).where('user_id', '=', userId).execute();
  await hook.db
    .deleteFrom('team_members')
    .where('user_id', '=', userId)
    .where('team_id', 'in', (eb) => eb.selectFrom('teams').select('id').where('org_id', '=', org.id))
    .execute();
  const account = await hook.db.selectFrom('users').select(['id', 'login']).where('id', '=', userId).executeTakeFirst();
  await recordAudit(hook.db, hook.ctx.clock, {
    action: 'org.remove_member',
    enterpriseId: org.enterprise_id,
    orgId: org.id,
    actor: hook.actor,
    user: account ?? null,
    data: { org: org.login, role: member.role, reason: 'scim' },
  });
}

async function undoGrant(hook: HookContext, grant: GrantRow): Promise<void> {
  const org = await hook.db.selectFrom('organizations').selectAll().where('id', '=', grant.org_id).executeTakeFirst();
  if (org !== undefined) {
    if (grant.invitation_id !== null) await cancelInvitation(hook, org, grant.invitation_id);
    if (grant.member_user_id !== null) await removeMember(hook, org, grant.member_user_id);
  }
  await withGrantTables(hook.db).deleteFrom('scim_org_grants').where('id', '=', grant.id).execute();
}

/**
 * Takes back what an identity's grants created: all of them, or those for one organization, or those one classic
 * group gave (`groupRowId`, any identity).
 */
export async function revokeOrgAccess(hook: HookContext, which: { scimUserRowId?: number; orgId?: number; groupRowId?: number }): Promise<void> {
  let query = withGrantTables(hook.db).selectFrom('scim_org_grants').selectAll();
  if (which.scimUserRowId !== undefined) query = query.where('scim_user_id', '=', which.scimUserRowId);
  if (which.orgId !== undefined) query = query.where('org_id', '=', which.orgId);
  if (which.groupRowId !== undefined) query = query.where('group_id', '=', which.groupRowId);
  const grants = await query.orderBy('id').execute();
  for (const grant of grants) await undoGrant(hook, grant);
}

/**
 * Organization SCIM deprovisioning "removes the user from the organization" (seed 003) whatever made them a member:
 * the membership (and team memberships) and any open invitation addressed to the account.
 */
export async function removeAccountFromOrg(hook: HookContext, org: OrganizationRow, userId: number): Promise<void> {
  const invitations = await hook.db.selectFrom('org_invitations').select('id').where('org_id', '=', org.id).where('invitee_id', '=', userId).execute();
  for (const invitation of invitations) await cancelInvitation(hook, org, invitation.id);
  await removeMember(hook, org, userId);
}

/** An identity's new primary email follows into the email invitations its grants created (still pending). */
export async function followEmailChange(hook: HookContext, scimUserRowId: number, resource: JsonObject): Promise<void> {
  const email = primaryEmail(resource);
  if (email === null) return;
  const grants = await withGrantTables(hook.db)
    .selectFrom('scim_org_grants')
    .select('invitation_id')
    .where('scim_user_id', '=', scimUserRowId)
    .where('invitation_id', 'is not', null)
    .execute();
  const ids = grants.flatMap((g) => (g.invitation_id === null ? [] : [g.invitation_id]));
  if (ids.length === 0) return;
  await hook.db.updateTable('org_invitations').set({ email }).where('id', 'in', ids).where('invitee_id', 'is', null).execute();
}

/**
 * The GitHub account an identity links to: the one whose login equals `userName` (case-insensitively, as logins
 * are), "links an existing user whose login equals userName" (github-semantics.md §3.1). Managed (EMU) and suspended
 * accounts are never linked, nor an account another identity of the tenant already holds.
 */
export async function findLinkableAccount(hook: HookContext, userName: string): Promise<UserRow | undefined> {
  const account = await hook.db
    .selectFrom('users')
    .selectAll()
    .where('login_lower', '=', userName.toLowerCase())
    .where('managed_by_enterprise_id', 'is', null)
    .where('suspended_at', 'is', null)
    .executeTakeFirst();
  if (account === undefined) return undefined;
  const holder = await hook.db.selectFrom('scim_users').select('id').where('scope', '=', hook.tenant.scope).where('user_id', '=', account.id).executeTakeFirst();
  return holder === undefined ? account : undefined;
}

/** Whether the account left the organization (`org.remove_member`) within the reinstatement window. */
export async function isFormerMember(hook: HookContext, org: OrganizationRow, userId: number): Promise<boolean> {
  const since = hook.ctx.clock.now().getTime() - REINSTATE_WINDOW_MS;
  const event = await hook.db
    .selectFrom('audit_events')
    .select('id')
    .where('org_id', '=', org.id)
    .where('user_id', '=', userId)
    .where('action', '=', 'org.remove_member')
    .where('created_at', '>=', since)
    .executeTakeFirst();
  return event !== undefined;
}
