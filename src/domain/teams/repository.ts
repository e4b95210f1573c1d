/**
 * SQL for teams, their nesting and their members. No rules here: the service decides who may see or change what.
 */
import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../context.ts';
import type { TeamMemberTable, TeamRow, TeamTable, UserRow } from '../../storage/tables.ts';
import type { TeamRole } from './tables.ts';

export type TeamMemberRow = Selectable<TeamMemberTable>;

export async function selectTeamBySlug(db: Db, orgId: number, slug: string): Promise<TeamRow | undefined> {
  return db.selectFrom('teams').selectAll().where('org_id', '=', orgId).where('slug', '=', slug.toLowerCase()).executeTakeFirst();
}

export async function selectTeamById(db: Db, id: number): Promise<TeamRow | undefined> {
  return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function selectTeamsByIds(db: Db, ids: readonly number[]): Promise<Map<number, TeamRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('teams').selectAll().where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((t) => [t.id, t]));
}

/** Every team below `teamId`, breadth first: one query per nesting level (GitHub nesting is shallow). */
export async function selectDescendantIds(db: Db, teamId: number): Promise<number[]> {
  const out: number[] = [];
  let frontier = [teamId];
  while (frontier.length > 0) {
    const rows = await db.selectFrom('teams').select('id').where('parent_id', 'in', frontier).orderBy('id').execute();
    frontier = rows.map((r) => r.id).filter((id) => !out.includes(id) && id !== teamId);
    out.push(...frontier);
  }
  return out;
}

export async function countChildren(db: Db, teamId: number): Promise<number> {
  const row = await db.selectFrom('teams').select(sql<number>`count(*)`.as('n')).where('parent_id', '=', teamId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Which teams a list may show: all of the organization's, or closed ones plus the secret ones `userId` is in. */
export type TeamVisibility = { kind: 'all' } | { kind: 'member'; userId: number };

export async function selectTeams(
  db: Db,
  orgId: number,
  visibility: TeamVisibility,
  limit: number,
  offset: number,
): Promise<{ teams: TeamRow[]; total: number }> {
  let base = db.selectFrom('teams as t').where('t.org_id', '=', orgId);
  if (visibility.kind === 'member') {
    const userId = visibility.userId;
    base = base.where((eb) =>
      eb.or([
        eb('t.privacy', '=', 'closed'),
        eb.exists(eb.selectFrom('team_members as tm').select('tm.team_id').whereRef('tm.team_id', '=', 't.id').where('tm.user_id', '=', userId)),
      ]),
    );
  }
  const [teams, count] = await Promise.all([
    base.selectAll('t').orderBy(sql`lower(t.name)`).orderBy('t.id').limit(limit).offset(offset).execute(),
    base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { teams, total: Number(count.n) };
}

export async function selectTeamMember(db: Db, teamId: number, userId: number): Promise<TeamMemberRow | undefined> {
  return db.selectFrom('team_members').selectAll().where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
}

/** True when the user is a direct member of any of the teams. */
export async function isMemberOfAny(db: Db, teamIds: readonly number[], userId: number): Promise<boolean> {
  if (teamIds.length === 0) return false;
  const row = await db.selectFrom('team_members').select('team_id').where('team_id', 'in', [...teamIds]).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

/** The pending (invited) team role of a user, if their open invitation to the team's organization carries the team. */
export async function selectPendingTeamRole(db: Db, orgId: number, teamId: number, userId: number): Promise<TeamRole | undefined> {
  const row = await db
    .selectFrom('org_invitation_teams as it')
    .innerJoin('org_invitations as i', 'i.id', 'it.invitation_id')
    .select('it.role')
    .where('i.org_id', '=', orgId)
    .where('i.invitee_id', '=', userId)
    .where('it.team_id', '=', teamId)
    .executeTakeFirst();
  return row?.role;
}

export async function deletePendingTeamRole(db: Db, orgId: number, teamId: number, userId: number): Promise<number> {
  const invitations = db.selectFrom('org_invitations').select('id').where('org_id', '=', orgId).where('invitee_id', '=', userId);
  const result = await db.deleteFrom('org_invitation_teams').where('team_id', '=', teamId).where('invitation_id', 'in', invitations).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface TeamMemberView {
  user: UserRow;
  /** Role on the team as GitHub reports it: organization owners are always `maintainer`. */
  role: TeamRole;
  /** True when the membership comes only from a child team. */
  inherited: boolean;
}

/**
 * Members of a team and of its child teams (`teamIds` = the team first, then its descendants), each user once, in
 * user-id order. A direct membership wins over an inherited one; organization owners count as maintainers.
 */
export async function selectTeamMembers(
  db: Db,
  orgId: number,
  teamIds: readonly number[],
  role: TeamRole | undefined,
  limit: number,
  offset: number,
): Promise<{ members: TeamMemberView[]; total: number }> {
  const teamId = teamIds[0];
  if (teamId === undefined) return { members: [], total: 0 };
  const grouped = db
    .selectFrom('team_members as tm')
    .where('tm.team_id', 'in', [...teamIds])
    .groupBy('tm.user_id')
    .select('tm.user_id')
    .select(sql<number>`max(case when tm.team_id = ${teamId} then 1 else 0 end)`.as('direct'))
    .select(sql<number>`max(case when tm.team_id = ${teamId} and tm.role = 'maintainer' then 1 else 0 end)`.as('maintainer'));
  const maintainer = sql<number>`case when m.maintainer = 1 or om.role = 'admin' then 1 else 0 end`;
  let base = db
    .selectFrom(grouped.as('m'))
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('org_members as om', (join) => join.onRef('om.user_id', '=', 'm.user_id').on('om.org_id', '=', orgId));
  if (role !== undefined) base = base.where(maintainer, '=', role === 'maintainer' ? 1 : 0);
  const [rows, count] = await Promise.all([
    base
      .selectAll('u')
      .select([sql<number>`m.direct`.as('m_direct'), maintainer.as('m_maintainer')])
      .orderBy('u.id')
      .limit(limit)
      .offset(offset)
      .execute(),
    base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    members: rows.map(({ m_direct, m_maintainer, ...user }) => ({
      user,
      role: Number(m_maintainer) === 1 ? 'maintainer' : 'member',
      inherited: Number(m_direct) !== 1,
    })),
    total: Number(count.n),
  };
}

/** Distinct users in the teams (a team and its descendants), for `members_count`. */
export async function countDistinctMembers(db: Db, teamIds: readonly number[]): Promise<number> {
  if (teamIds.length === 0) return 0;
  const row = await db
    .selectFrom('team_members')
    .select(sql<number>`count(distinct user_id)`.as('n'))
    .where('team_id', 'in', [...teamIds])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertTeam(db: Db, values: Insertable<TeamTable>): Promise<TeamRow> {
  return db.insertInto('teams').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateTeamRow(db: Db, id: number, values: Updateable<TeamTable>): Promise<TeamRow> {
  return db.updateTable('teams').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function deleteTeamRows(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('teams').where('id', 'in', [...ids]).execute();
}

export async function reparentChildren(db: Db, teamId: number, newParentId: number | null, updatedAt: string): Promise<void> {
  await db.updateTable('teams').set({ parent_id: newParentId, updated_at: updatedAt }).where('parent_id', '=', teamId).execute();
}

export async function upsertTeamMember(db: Db, teamId: number, userId: number, role: TeamRole, createdAt: string): Promise<void> {
  await db
    .insertInto('team_members')
    .values({ team_id: teamId, user_id: userId, role, via_external_group: 0, created_at: createdAt })
    .onConflict((oc) => oc.columns(['team_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

export async function deleteTeamMember(db: Db, teamId: number, userId: number): Promise<number> {
  const result = await db.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** True when some membership of the team exists only because a linked external group holds the user. */
export async function hasExternalGroupMembers(db: Db, teamId: number): Promise<boolean> {
  const row = await db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).where('via_external_group', '=', 1).executeTakeFirst();
  return row !== undefined;
}
