/**
 * SQL for external groups and the teams linked to them. No rules here: the service and the sync hooks decide who may
 * change what and when.
 *
 * Membership changes are set-based: one statement per step and per linked team, whatever the number of users
 * (ARCHITECTURE.md "Storage": a page costs the page, one member touches one member's rows). The user set of a step is
 * a SQL predicate (`UserFilter`) over a user-id column, so linking a group of 10,000 is `INSERT … SELECT`, and adding
 * one member is the same statements restricted to that member's id. Audit events are written by the same kind of
 * `INSERT … SELECT`, one row per affected user, inside the caller's transaction.
 *
 * The SQL is plain and portable (SQLite and PostgreSQL): values in a select list are `cast` so PostgreSQL can type
 * the parameters, and `"user"` is quoted because it is reserved in PostgreSQL.
 */
import crypto from 'node:crypto';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Actor, Db } from '../context.ts';
import type { ScimGroupTable, UserRow } from '../../storage/tables.ts';
import './tables.ts';

export type ExternalGroupRow = Selectable<ScimGroupTable>;

/** A team together with what audit events and the sync rules need of its organization. */
export interface TeamScope {
  teamId: number;
  teamSlug: string;
  teamName: string;
  orgId: number;
  orgLogin: string;
  enterpriseId: number | null;
  /** The external group the team is linked to, if any. */
  groupId: number | null;
}

/** A set of users, as a SQL predicate over the user-id column it is applied to. */
export type UserFilter = (userIdColumn: string) => RawBuilder<unknown>;

/** The group's provisioned, active members: a SCIM identity that is active, linked to an account that is not suspended. */
export function activeMemberIds(groupId: number): RawBuilder<unknown> {
  return sql`select su.user_id from scim_group_members gm inner join scim_users su on su.id = gm.scim_user_id inner join users au on au.id = su.user_id where gm.group_id = ${groupId} and su.active = 1 and au.suspended_at is null`;
}

/** Users who are active members of the group. */
export const inGroup =
  (groupId: number): UserFilter =>
  (column) =>
    sql`${sql.ref(column)} in (${activeMemberIds(groupId)})`;

/** Users who are not active members of the group (the join to `users` keeps NULLs out of the `not in` list). */
export const notInGroup =
  (groupId: number): UserFilter =>
  (column) =>
    sql`${sql.ref(column)} not in (${activeMemberIds(groupId)})`;

/** Exactly these users (callers pass a non-empty list, in chunks of `ID_CHUNK`). */
export const userIds =
  (ids: readonly number[]): UserFilter =>
  (column) =>
    sql`${sql.ref(column)} in (${sql.join([...ids])})`;

/** These users, if they hold an active SCIM identity and their account is not suspended. */
export const activeUserIds =
  (ids: readonly number[]): UserFilter =>
  (column) =>
    sql`${sql.ref(column)} in (${sql.join([...ids])}) and exists (select 1 from scim_users su inner join users au on au.id = su.user_id where su.user_id = ${sql.ref(column)} and su.active = 1 and au.suspended_at is null)`;

/** Every user. */
export const everyone: UserFilter = () => sql`1 = 1`;

/** Largest id list bound into one statement; stays far below SQLite's and PostgreSQL's parameter limits. */
export const ID_CHUNK = 500;

export function chunks<T>(items: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Groups

export async function selectEnterpriseKind(db: Db, enterpriseId: number): Promise<'classic' | 'managed' | undefined> {
  const row = await db.selectFrom('enterprises').select('kind').where('id', '=', enterpriseId).executeTakeFirst();
  return row?.kind;
}

/** An external group of an enterprise (a group the managed SCIM dialect provisioned). */
export async function selectGroup(db: Db, enterpriseId: number, groupId: number): Promise<ExternalGroupRow | undefined> {
  return db.selectFrom('scim_groups').selectAll().where('id', '=', groupId).where('enterprise_id', '=', enterpriseId).executeTakeFirst();
}

export async function selectGroupById(db: Db, groupId: number): Promise<ExternalGroupRow | undefined> {
  return db.selectFrom('scim_groups').selectAll().where('id', '=', groupId).executeTakeFirst();
}

export interface GroupListQuery {
  enterpriseId: number;
  /** Case-insensitive substring of the group name. */
  displayName?: string | undefined;
  /** Continue after this group id (cursor), or skip `offset` rows (page index). */
  afterId?: number | undefined;
  offset: number;
  limit: number;
}

/** One page of an enterprise's groups in id order, plus whether more follow (one extra row is read). */
export async function selectGroups(db: Db, query: GroupListQuery): Promise<{ groups: ExternalGroupRow[]; more: boolean }> {
  let q = db.selectFrom('scim_groups').selectAll().where('enterprise_id', '=', query.enterpriseId);
  if (query.displayName !== undefined && query.displayName !== '') {
    // `display_name_lower` holds the case-folded name, so a plain LIKE on the folded needle is case-insensitive on
    // both stores (and for non-ASCII letters, which SQLite's LIKE would not fold).
    const needle = `%${escapeLikePattern(query.displayName.toLowerCase())}%`;
    q = q.where(sql<boolean>`display_name_lower like ${needle} escape '\\'`);
  }
  if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
  const rows = await q.orderBy('id').limit(query.limit + 1).offset(query.offset).execute();
  return { groups: rows.slice(0, query.limit), more: rows.length > query.limit };
}

function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface GroupMemberRow {
  user: UserRow;
  scimDisplayName: string | null;
}

/** One page of a group's active members, in account-id order. */
export async function selectActiveMembers(db: Db, groupId: number, limit: number, offset: number): Promise<GroupMemberRow[]> {
  const rows = await db
    .selectFrom('scim_group_members as gm')
    .innerJoin('scim_users as su', 'su.id', 'gm.scim_user_id')
    .innerJoin('users as u', 'u.id', 'su.user_id')
    .selectAll('u')
    .select('su.display_name as scim_display_name')
    .where('gm.group_id', '=', groupId)
    .where('su.active', '=', 1)
    .where('u.suspended_at', 'is', null)
    .orderBy('u.id')
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map(({ scim_display_name, ...user }) => ({ user, scimDisplayName: scim_display_name }));
}

/**
 * Moves the groups' `updated_at` (the external-group shape's) for a change to them or to their visible members. Done
 * first in every hook: the row lock it takes on PostgreSQL orders the hook after a concurrent link or unlink of the
 * same group (which locks it too, see `lockGroups`), so neither reads a team list the other is changing.
 */
export async function touchGroups(db: Db, groupIds: readonly number[], at: string): Promise<void> {
  if (groupIds.length === 0) return;
  await db.updateTable('scim_groups').set({ updated_at: at }).where('id', 'in', [...new Set(groupIds)].sort((a, b) => a - b)).execute();
}

/**
 * Locks group rows without changing them (a no-op update: a row lock on PostgreSQL, the write lock on SQLite), one
 * at a time in id order so two linkers never wait on each other crosswise.
 */
export async function lockGroups(db: Db, groupIds: readonly number[]): Promise<void> {
  for (const id of [...new Set(groupIds)].sort((a, b) => a - b)) {
    await db.updateTable('scim_groups').set({ version: sql<number>`version` }).where('id', '=', id).execute();
  }
}

/** Groups that hold one of the account's SCIM identities. */
export async function selectGroupIdsOfUser(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('scim_group_members as gm')
    .innerJoin('scim_users as su', 'su.id', 'gm.scim_user_id')
    .select('gm.group_id')
    .distinct()
    .where('su.user_id', '=', userId)
    .execute();
  return rows.map((r) => r.group_id);
}

// ---------------------------------------------------------------------------------------------------------------
// Links

function scopeQuery(db: Db) {
  return db
    .selectFrom('teams as t')
    .innerJoin('organizations as o', 'o.id', 't.org_id')
    .leftJoin('team_external_groups as teg', 'teg.team_id', 't.id')
    .select([
      't.id as teamId',
      't.slug as teamSlug',
      't.name as teamName',
      'o.id as orgId',
      'o.login as orgLogin',
      'o.enterprise_id as enterpriseId',
      'teg.group_id as groupId',
    ]);
}

export async function selectTeamScope(db: Db, teamId: number): Promise<TeamScope | undefined> {
  return scopeQuery(db).where('t.id', '=', teamId).executeTakeFirst();
}

/** Every team linked to the group, in every organization, in id order. */
export async function selectLinkedTeams(db: Db, groupId: number): Promise<TeamScope[]> {
  return scopeQuery(db).where('teg.group_id', '=', groupId).orderBy('t.id').execute();
}

/** Teams linked to the group within one organization (the external-group shape's `teams`). */
export async function selectLinkedTeamsInOrg(db: Db, groupId: number, orgId: number): Promise<TeamScope[]> {
  return scopeQuery(db).where('teg.group_id', '=', groupId).where('t.org_id', '=', orgId).orderBy('t.id').execute();
}

/** Teams linked to any of the groups. */
export async function selectTeamsLinkedToAny(db: Db, groupIds: readonly number[]): Promise<TeamScope[]> {
  if (groupIds.length === 0) return [];
  return scopeQuery(db).where('teg.group_id', 'in', [...groupIds]).orderBy('t.id').execute();
}

/** Teams the user belongs to through an external group. */
export async function selectTeamsJoinedViaGroup(db: Db, userId: number): Promise<TeamScope[]> {
  return scopeQuery(db)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('team_members as tm')
          .select('tm.team_id')
          .whereRef('tm.team_id', '=', 't.id')
          .where('tm.user_id', '=', userId)
          .where('tm.via_external_group', '=', 1),
      ),
    )
    .orderBy('t.id')
    .execute();
}

export async function upsertLink(db: Db, teamId: number, groupId: number, at: string): Promise<void> {
  await db
    .insertInto('team_external_groups')
    .values({ team_id: teamId, group_id: groupId, created_at: at })
    .onConflict((oc) => oc.column('team_id').doUpdateSet({ group_id: groupId, created_at: at }))
    .execute();
}

export async function deleteLink(db: Db, teamId: number): Promise<void> {
  await db.deleteFrom('team_external_groups').where('team_id', '=', teamId).execute();
}

/** True when the team is linked to an external group. */
export async function isLinked(db: Db, teamId: number): Promise<boolean> {
  return (await db.selectFrom('team_external_groups').select('team_id').where('team_id', '=', teamId).executeTakeFirst()) !== undefined;
}

/** Whether a team has members that did not come from a group: direct members, or teams carried by open invitations. */
export async function hasManualMembers(db: Db, teamId: number): Promise<boolean> {
  const direct = await db.selectFrom('team_members').select('user_id').where('team_id', '=', teamId).where('via_external_group', '=', 0).executeTakeFirst();
  if (direct !== undefined) return true;
  const pending = await db.selectFrom('org_invitation_teams').select('invitation_id').where('team_id', '=', teamId).executeTakeFirst();
  return pending !== undefined;
}

/** Whether the team has a parent or children (linked teams may not be nested). */
export async function isNested(db: Db, teamId: number, parentId: number | null): Promise<boolean> {
  if (parentId !== null) return true;
  const child = await db.selectFrom('teams').select('id').where('parent_id', '=', teamId).executeTakeFirst();
  return child !== undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Membership, set-based

/** Who acts and when, for the audit rows a step writes. */
export interface AuditStamp {
  actor: Actor | null;
  /** Epoch milliseconds (audit `created_at`). */
  atMs: number;
  /** ISO text (membership `created_at`). */
  atIso: string;
}

/**
 * One audit event per user the select yields (`userIdSelect` returns one column of account ids). Each statement gets
 * its own random prefix, so `document_id` stays unique across steps that touch the same user.
 */
async function auditUsers(db: Db, action: string, scope: TeamScope, stamp: AuditStamp, data: Record<string, unknown>, userIdSelect: RawBuilder<unknown>): Promise<void> {
  const prefix = `${crypto.randomBytes(12).toString('base64url')}-`;
  await sql`insert into audit_events (document_id, enterprise_id, org_id, action, actor_id, actor, user_id, "user", created_at, data)
    select cast(${prefix} as text) || cast(ax.id as text), cast(${scope.enterpriseId} as integer), cast(${scope.orgId} as integer),
      cast(${action} as text), cast(${stamp.actor?.id ?? null} as integer), cast(${stamp.actor?.login ?? null} as text),
      ax.id, ax.login, cast(${stamp.atMs} as bigint), cast(${JSON.stringify(data)} as text)
    from users ax where ax.id in (${userIdSelect})`.execute(db);
}

function teamLabel(scope: TeamScope): string {
  return `${scope.orgLogin}/${scope.teamSlug}`;
}

/**
 * Puts the users (a filter over `u.id`) into the team as group-managed members, first making those who are not
 * organization members members (`org_members.via_external_group = 1`, so they leave again with their last linked team).
 * Users already in the team or the organization are left as they are. Audits `org.add_member` and `team.add_member`.
 */
export async function addToTeamViaGroup(
  db: Db,
  scope: TeamScope,
  users: UserFilter,
  stamp: AuditStamp,
  groupId: number,
  options: { orgDone?: boolean } = {},
): Promise<void> {
  // `orgDone`: the same users were just put into this organization for another of its teams, so the organization
  // step would find nothing to do.
  if (options.orgDone !== true) {
    const notOrgMember = sql`not exists (select 1 from org_members om where om.org_id = ${scope.orgId} and om.user_id = u.id)`;
    const joiningOrg = sql`select u.id from users u where ${users('u.id')} and ${notOrgMember}`;
    await auditUsers(db, 'org.add_member', scope, stamp, { org: scope.orgLogin, role: 'member', team: teamLabel(scope), external_group_id: groupId }, joiningOrg);
    await sql`insert into org_members (org_id, user_id, role, created_at, via_external_group)
      select cast(${scope.orgId} as integer), u.id, 'member', cast(${stamp.atIso} as text), 1
      from users u where ${users('u.id')} and ${notOrgMember}
      on conflict do nothing`.execute(db);
  }

  const notTeamMember = sql`not exists (select 1 from team_members tm where tm.team_id = ${scope.teamId} and tm.user_id = u.id)`;
  const joiningTeam = sql`select u.id from users u where ${users('u.id')} and ${notTeamMember}`;
  await auditUsers(db, 'team.add_member', scope, stamp, { org: scope.orgLogin, team: teamLabel(scope), role: 'member', external_group_id: groupId }, joiningTeam);
  await sql`insert into team_members (team_id, user_id, role, via_external_group, created_at)
    select cast(${scope.teamId} as integer), u.id, 'member', 1, cast(${stamp.atIso} as text)
    from users u where ${users('u.id')} and ${notTeamMember}
    on conflict do nothing`.execute(db);
}

/**
 * Takes the users (a filter over `tm.user_id`) out of the team where they are group-managed members, and out of the
 * organization when they joined it only through a linked team and keep no other team there. Organization owners
 * (`admin`) and members who joined by other means stay. Audits `team.remove_member` and `org.remove_member`.
 */
export async function removeFromTeamViaGroup(db: Db, scope: TeamScope, users: UserFilter, stamp: AuditStamp, groupId: number | null): Promise<void> {
  const leavingTeam = sql`select tm.user_id from team_members tm where tm.team_id = ${scope.teamId} and tm.via_external_group = 1 and ${users('tm.user_id')}`;
  const leavingOrg = sql`select om.user_id from org_members om
    where om.org_id = ${scope.orgId} and om.via_external_group = 1 and om.role = 'member' and om.user_id in (${leavingTeam})
      and not exists (select 1 from team_members ot inner join teams t on t.id = ot.team_id
        where ot.user_id = om.user_id and t.org_id = ${scope.orgId} and ot.team_id <> ${scope.teamId})`;
  const group = groupId === null ? {} : { external_group_id: groupId };
  await auditUsers(db, 'team.remove_member', scope, stamp, { org: scope.orgLogin, team: teamLabel(scope), ...group }, leavingTeam);
  await auditUsers(db, 'org.remove_member', scope, stamp, { org: scope.orgLogin, team: teamLabel(scope), reason: 'external_group', ...group }, leavingOrg);
  // Organization first: its predicate reads the team memberships about to go.
  await sql`delete from org_members where org_id = ${scope.orgId} and user_id in (${leavingOrg})`.execute(db);
  await sql`delete from team_members where team_id = ${scope.teamId} and user_id in (${leavingTeam})`.execute(db);
}
