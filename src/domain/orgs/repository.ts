/**
 * SQL for organization membership and invitations. No rules here: the service decides who may see or change what.
 */
import { sql } from 'kysely';
import type { Db } from '../context.ts';
import type { OrgRole, UserRow } from '../../storage/tables.ts';
import type { Selectable } from 'kysely';
import type { OrgInvitationTable } from '../../storage/tables.ts';

export type OrgInvitationRow = Selectable<OrgInvitationTable>;

export interface MemberPage {
  users: UserRow[];
  total: number;
}

/** Active members of an organization in join order (then id), optionally only one role. */
export async function selectOrgMembers(db: Db, orgId: number, role: OrgRole | undefined, limit: number, offset: number): Promise<MemberPage> {
  let base = db.selectFrom('org_members as om').innerJoin('users as u', 'u.id', 'om.user_id').where('om.org_id', '=', orgId);
  if (role !== undefined) base = base.where('om.role', '=', role);
  const [users, count] = await Promise.all([
    base.selectAll('u').orderBy('u.id').limit(limit).offset(offset).execute(),
    base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { users, total: Number(count.n) };
}

export async function selectOrgMemberRole(db: Db, orgId: number, userId: number): Promise<OrgRole | undefined> {
  const row = await db.selectFrom('org_members').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return row?.role;
}

/** The open invitation of a known user to an organization, if any. */
export async function selectInvitationFor(db: Db, orgId: number, userId: number): Promise<OrgInvitationRow | undefined> {
  return db
    .selectFrom('org_invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('invitee_id', '=', userId)
    .orderBy('id')
    .executeTakeFirst();
}

export async function selectInvitationById(db: Db, orgId: number, id: number): Promise<OrgInvitationRow | undefined> {
  return db.selectFrom('org_invitations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export interface InvitationFilter {
  role?: OrgInvitationRow['role'] | undefined;
  /** Accepted `source` values (`member` invitations are stored as `member` or, from older code, `api`). */
  sources?: readonly string[] | undefined;
}

export interface InvitationWithTeams extends OrgInvitationRow {
  team_count: number;
}

/** One page of an organization's pending invitations, oldest first, each with the number of teams it adds. */
export async function selectInvitations(
  db: Db,
  orgId: number,
  filter: InvitationFilter,
  limit: number,
  offset: number,
): Promise<{ invitations: InvitationWithTeams[]; total: number }> {
  let base = db.selectFrom('org_invitations as i').where('i.org_id', '=', orgId);
  if (filter.role !== undefined) base = base.where('i.role', '=', filter.role);
  if (filter.sources !== undefined) base = base.where('i.source', 'in', [...filter.sources]);
  const [rows, count] = await Promise.all([
    base
      .selectAll('i')
      .select((eb) =>
        eb
          .selectFrom('org_invitation_teams as it')
          .whereRef('it.invitation_id', '=', 'i.id')
          .select(sql<number>`count(*)`.as('c'))
          .as('team_count'),
      )
      .orderBy('i.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    invitations: rows.map((r) => ({ ...r, team_count: Number(r.team_count ?? 0) })),
    total: Number(count.n),
  };
}

/** Users by id, for rendering inviters. */
export async function selectUsersByIds(db: Db, ids: readonly number[]): Promise<Map<number, UserRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((u) => [u.id, u]));
}
