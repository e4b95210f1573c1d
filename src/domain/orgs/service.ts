/**
 * Organization membership and invitations as GitHub models them (docs.github.com/rest/orgs/members):
 * - an active membership is a row in `org_members` with role `admin` (an owner) or `member`;
 * - a pending membership is an open invitation (`org_invitations`); it may carry team memberships that become active
 *   when the invitation is accepted (`org_invitation_teams`);
 * - owners of the organization's enterprise and site administrators have owner standing without being members.
 * Enterprise Managed User organizations take no invitations: their members come from the identity provider.
 */
import { ApiError, notFound, validationFailed } from '../../errors/api-error.ts';
import { addOrgMember, enterpriseRoleOf, findOrganization, findUserByLogin } from '../accounts/accounts.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, Db, DomainContext } from '../context.ts';
import type { OrganizationRow, OrgRole, TeamRow, UserRow } from '../../storage/tables.ts';
import type { TeamRole } from '../teams/tables.ts';
import {
  selectInvitationById,
  selectInvitationFor,
  selectInvitations,
  selectOrgMemberRole,
  selectOrgMembers,
  type InvitationFilter,
  type InvitationWithTeams,
  type MemberPage,
  type OrgInvitationRow,
} from './repository.ts';
import { sql } from 'kysely';

export type { OrgInvitationRow, InvitationWithTeams } from './repository.ts';

/** Where the caller stands in an organization: `owner` covers org owners, enterprise owners and site administrators. */
export interface OrgStanding {
  owner: boolean;
  /** An active member (owners who are members too). */
  member: boolean;
  role: OrgRole | undefined;
}

/** The caller's standing; a null actor is the system itself (CLI, provisioning), which has owner standing. */
export async function orgStandingOf(db: Db, org: OrganizationRow, actor: Actor | null): Promise<OrgStanding> {
  if (actor === null) return { owner: true, member: false, role: undefined };
  const role = await selectOrgMemberRole(db, org.id, actor.id);
  let owner = actor.siteAdmin || role === 'admin';
  if (!owner && org.enterprise_id !== null) owner = (await enterpriseRoleOf(db, org.enterprise_id, actor.id)) === 'owner';
  return { owner, member: role !== undefined, role };
}

export async function requireOrganization(db: Db, login: string): Promise<OrganizationRow> {
  const org = await findOrganization(db, login);
  if (org === undefined) throw notFound();
  return org;
}

/** True when the organization belongs to an Enterprise Managed Users enterprise (no invitations there). */
export async function isManagedOrganization(db: Db, org: OrganizationRow): Promise<boolean> {
  if (org.enterprise_id === null) return false;
  const enterprise = await db.selectFrom('enterprises').select('kind').where('id', '=', org.enterprise_id).executeTakeFirst();
  return enterprise?.kind === 'managed';
}

export type OrgMembershipRole = 'admin' | 'member' | 'billing_manager';

export type OrgMembership =
  | { state: 'active'; role: OrgRole }
  | { state: 'pending'; role: OrgMembershipRole; invitation: OrgInvitationRow };

/** The org-membership role an invitation grants (`direct_member` invitations make members). */
export function invitationMembershipRole(role: OrgInvitationRow['role']): OrgMembershipRole {
  return role === 'direct_member' ? 'member' : role;
}

/** A user's membership: active, pending (an open invitation), or none. */
export async function orgMembershipOf(db: Db, org: OrganizationRow, user: UserRow): Promise<OrgMembership | undefined> {
  const role = await selectOrgMemberRole(db, org.id, user.id);
  if (role !== undefined) return { state: 'active', role };
  const invitation = await selectInvitationFor(db, org.id, user.id);
  if (invitation !== undefined) return { state: 'pending', role: invitationMembershipRole(invitation.role), invitation };
  return undefined;
}

export async function isOrgMember(db: Db, org: OrganizationRow, userId: number): Promise<boolean> {
  return (await selectOrgMemberRole(db, org.id, userId)) !== undefined;
}

/** One page of active members (`GET /orgs/{org}/members`). */
export async function listOrgMembers(db: Db, org: OrganizationRow, role: OrgRole | undefined, limit: number, offset: number): Promise<MemberPage> {
  return selectOrgMembers(db, org.id, role, limit, offset);
}

export interface InviteOptions {
  role: OrgInvitationRow['role'];
  /** `member` for invitations people make (GitHub's `invitation_source`), `scim` for provisioning. */
  source: string;
  /** A team membership the invitation should carry. */
  team?: { team: TeamRow; role: TeamRole } | undefined;
}

/**
 * Invites a known user to an organization, or extends their open invitation with another team. Refused for
 * Enterprise Managed User organizations, whose members come only from the identity provider.
 * Call inside the caller's transaction.
 */
export async function inviteUserToOrg(
  ctx: DomainContext,
  db: Db,
  org: OrganizationRow,
  user: UserRow,
  inviter: Actor | null,
  options: InviteOptions,
): Promise<OrgInvitationRow> {
  if (await isManagedOrganization(db, org)) {
    throw validationFailed([
      { resource: 'TeamMember', field: 'user', code: 'custom', message: 'Managed user must be part of the organization to be assigned to the team.' },
    ]);
  }
  const now = ctx.clock.now().toISOString();
  let invitation = await selectInvitationFor(db, org.id, user.id);
  const created = invitation === undefined;
  if (invitation === undefined) {
    invitation = await db
      .insertInto('org_invitations')
      .values({
        org_id: org.id,
        invitee_id: user.id,
        login: user.login,
        email: user.email,
        role: options.role,
        inviter_id: inviter?.id ?? null,
        source: options.source,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  if (options.team !== undefined) {
    const { team, role } = options.team;
    await db
      .insertInto('org_invitation_teams')
      .values({ invitation_id: invitation.id, team_id: team.id, role, created_at: now })
      .onConflict((oc) => oc.columns(['invitation_id', 'team_id']).doUpdateSet({ role }))
      .execute();
  }
  await recordAudit(db, ctx.clock, {
    action: 'org.invite_member',
    enterpriseId: org.enterprise_id,
    orgId: org.id,
    actor: inviter,
    user,
    data: {
      org: org.login,
      invitation_id: invitation.id,
      role: invitation.role,
      new_invitation: created,
      ...(options.team === undefined ? {} : { team: `${org.login}/${options.team.team.slug}`, team_role: options.team.role }),
    },
  });
  return invitation;
}

/** One page of open invitations (`GET /orgs/{org}/invitations`). */
export async function listOrgInvitations(
  db: Db,
  org: OrganizationRow,
  filter: InvitationFilter,
  limit: number,
  offset: number,
): Promise<{ invitations: InvitationWithTeams[]; total: number }> {
  return selectInvitations(db, org.id, filter, limit, offset);
}

export async function findOrgInvitation(db: Db, org: OrganizationRow, id: number): Promise<OrgInvitationRow | undefined> {
  return selectInvitationById(db, org.id, id);
}

/** The teams an invitation will add its invitee to, by team name. */
export async function listInvitationTeams(db: Db, invitation: OrgInvitationRow, limit: number, offset: number): Promise<{ teams: TeamRow[]; total: number }> {
  const base = db
    .selectFrom('org_invitation_teams as it')
    .innerJoin('teams as t', 't.id', 'it.team_id')
    .where('it.invitation_id', '=', invitation.id);
  const [teams, count] = await Promise.all([
    base.selectAll('t').orderBy('t.id').limit(limit).offset(offset).execute(),
    base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { teams, total: Number(count.n) };
}

/**
 * Accepts a user's open invitation: they become an active member (an owner for `admin` invitations) and join every
 * team the invitation carried, as GitHub does when the invitee accepts
 * (docs.github.com/rest/orgs/members#update-an-organization-membership-for-the-authenticated-user).
 */
export async function acceptOrgInvitation(ctx: DomainContext, orgLogin: string, userLogin: string, actor: Actor | null): Promise<OrgMembership> {
  return ctx.db.transaction().execute(async (trx) => {
    const org = await requireOrganization(trx, orgLogin);
    const user = await findUserByLogin(trx, userLogin);
    if (user === undefined) throw notFound();
    const current = await orgMembershipOf(trx, org, user);
    if (current === undefined) throw notFound();
    if (current.state === 'active') return current;
    const { invitation } = current;
    if (invitation.role === 'billing_manager') {
      throw new ApiError(422, 'Billing manager invitations are not supported by Gatehouse.', { code: 'unsupported' });
    }
    const role: OrgRole = invitation.role === 'admin' ? 'admin' : 'member';
    await addOrgMember(ctx, trx, org, user, role, actor);
    const teams = await trx
      .selectFrom('org_invitation_teams as it')
      .innerJoin('teams as t', 't.id', 'it.team_id')
      .select(['t.id', 't.slug', 'it.role'])
      .where('it.invitation_id', '=', invitation.id)
      .orderBy('t.id')
      .execute();
    const now = ctx.clock.now().toISOString();
    for (const team of teams) {
      await trx
        .insertInto('team_members')
        .values({ team_id: team.id, user_id: user.id, role: team.role, via_external_group: 0, created_at: now })
        .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
        .execute();
      await recordAudit(trx, ctx.clock, {
        action: 'team.add_member',
        enterpriseId: org.enterprise_id,
        orgId: org.id,
        actor,
        user,
        data: { org: org.login, team: `${org.login}/${team.slug}`, role: team.role },
      });
    }
    await trx.deleteFrom('org_invitations').where('id', '=', invitation.id).execute();
    return { state: 'active', role };
  });
}
