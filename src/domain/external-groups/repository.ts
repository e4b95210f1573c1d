/**
 * SQL for external groups and the teams linked to them. No rules here: the service and the sync hooks decide who may
 * change what and when.
 *
 * Membership changes are set-based: one statement per step for all the teams concerned, whatever the number of users
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
import type { DialectName } from '../../storage/db.ts';
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


/** The `team` of membership audit events: `org/team-slug`. */
function teamLabel(scope: TeamScope): string {
  return `${scope.orgLogin}/${scope.teamSlug}`;
}

/** The teams of a step, each once, in team-id order (the order their audit events are written in). */
function inTeamOrder(teams: readonly TeamScope[]): TeamScope[] {
  const byId = new Map<number, TeamScope>();
  for (const team of teams) if (!byId.has(team.teamId)) byId.set(team.teamId, team);
  return [...byId.values()].sort((a, b) => a.teamId - b.teamId);
}

/** A random `document_id` prefix for each team and each of its two audit actions (unique across statements). */
function auditPrefixes(count: number): string[] {
  const bytes = crypto.randomBytes(12 * count);
  return Array.from({ length: count }, (_, i) => `${bytes.subarray(12 * i, 12 * (i + 1)).toString('base64url')}-`);
}

type CteValue = number | string | null;

/**
 * `linked (…) as (select … union all select …)`, a common table expression: one row per team of the step, carrying
 * what its audit rows need (ids, a `seq` giving the team order, the `document_id` prefixes and the events' `data`,
 * built here as the single-row events are). Values are cast so PostgreSQL can type the parameters.
 */
function linkedTeams(columns: readonly string[], rows: readonly CteValue[][]): RawBuilder<unknown> {
  const selects = rows.map(
    (row) => sql`select ${sql.join(row.map((value) => (typeof value === 'string' ? sql`cast(${value} as text)` : sql`cast(${value} as integer)`)))}`,
  );
  return sql`linked (${sql.join(columns.map((c) => sql.id(c)))}) as (${sql.join(selects, sql` union all `)})`;
}

/**
 * Runs the statements of a step in order, the first (the audit events) with the `linked` table. On PostgreSQL they are
 * one statement, the first ones as data-modifying `with` queries: one round trip instead of three, with the same
 * effect, because all parts of one PostgreSQL statement see the state from before it, and that is what each part
 * reads anyway: the audit events and the organization rows read the memberships before they change, and no part
 * reads the table an earlier part writes otherwise.
 */
async function runStep(db: Db, dialect: DialectName, linked: RawBuilder<unknown>, statements: readonly RawBuilder<unknown>[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first === undefined) return;
  if (dialect === 'postgres' && rest.length > 0) {
    const writes = statements.slice(0, -1).map((statement, i) => sql`${sql.id(`step${i}`)} as (${statement})`);
    await sql`with ${linked}, ${sql.join(writes)} ${statements[statements.length - 1]}`.execute(db);
    return;
  }
  await sql`with ${linked} ${first}`.execute(db);
  for (const statement of rest) await statement.execute(db);
}

/**
 * The statement writing the audit events the parts select. Each part yields `seq`, `step`, `document_id`,
 * `enterprise_id`, `org_id`, `action`, `user_id`, `login` and `data`. With several teams, rows are written team by
 * team (`seq`), step by step within a team, then by user: the order in which per-team statements wrote them. With
 * one team the parts are already in step order, and the sort is left out (linking 10,000 members writes 20,000 rows,
 * which PostgreSQL sorted on disk).
 */
function insertAudits(stamp: AuditStamp, parts: readonly RawBuilder<unknown>[], teamCount: number): RawBuilder<unknown> {
  const order = teamCount > 1 ? sql`order by x.seq, x.step, x.user_id` : sql``;
  return sql`insert into audit_events (document_id, enterprise_id, org_id, action, actor_id, actor, user_id, "user", created_at, data)
    select x.document_id, x.enterprise_id, x.org_id, x.action, cast(${stamp.actor?.id ?? null} as integer), cast(${stamp.actor?.login ?? null} as text),
      x.user_id, x.login, cast(${stamp.atMs} as bigint), x.data
    from (${sql.join(parts, sql` union all `)}) x
    ${order}`;
}

/**
 * Puts the users (a filter over `u.id`) into every team given (each linked to an external group: `scope.groupId`;
 * teams without one are skipped) as group-managed members, first making those who are not members of a team's
 * organization members of it (`org_members.via_external_group = 1`, so they leave again with their last linked team).
 * Users already in a team or an organization are left as they are. Audits `org.add_member` (once per organization,
 * naming its first team) and `team.add_member`.
 *
 * Three statements whatever the number of teams and users (one on PostgreSQL, see `runStep`): the audit events, the
 * organization rows, the team rows. The audit statement comes first, since its predicates read the memberships about
 * to be written.
 */
export async function addToTeamsViaGroup(db: Db, dialect: DialectName, teams: readonly TeamScope[], users: UserFilter, stamp: AuditStamp): Promise<void> {
  const steps = inTeamOrder(teams).filter((team) => team.groupId !== null);
  if (steps.length === 0) return;
  const prefixes = auditPrefixes(steps.length * 2);
  const orgsSeen = new Set<number>();
  const rows = steps.map((team, i): CteValue[] => {
    const first = orgsSeen.has(team.orgId) ? 0 : 1;
    orgsSeen.add(team.orgId);
    const orgData = JSON.stringify({ org: team.orgLogin, role: 'member', team: teamLabel(team), external_group_id: team.groupId });
    const teamData = JSON.stringify({ org: team.orgLogin, team: teamLabel(team), role: 'member', external_group_id: team.groupId });
    return [i, team.teamId, team.orgId, team.enterpriseId, first, prefixes[2 * i] ?? '', orgData, prefixes[2 * i + 1] ?? '', teamData];
  });
  const linked = linkedTeams(['seq', 'team_id', 'org_id', 'enterprise_id', 'first_in_org', 'org_prefix', 'org_data', 'team_prefix', 'team_data'], rows);
  const audits = insertAudits(stamp, [
    sql`select l.seq, 0 as step, l.org_prefix || cast(u.id as text) as document_id, l.enterprise_id, l.org_id, 'org.add_member' as action,
        u.id as user_id, u.login as login, l.org_data as data
      from linked l inner join users u on ${users('u.id')}
      where l.first_in_org = 1 and not exists (select 1 from org_members om where om.org_id = l.org_id and om.user_id = u.id)`,
    sql`select l.seq, 1 as step, l.team_prefix || cast(u.id as text), l.enterprise_id, l.org_id, 'team.add_member', u.id, u.login, l.team_data
      from linked l inner join users u on ${users('u.id')}
      where not exists (select 1 from team_members tm where tm.team_id = l.team_id and tm.user_id = u.id)`,
  ], steps.length);
  const orgIds = sql.join([...orgsSeen]);
  const teamIds = sql.join(steps.map((team) => team.teamId));
  const orgRows = sql`insert into org_members (org_id, user_id, role, created_at, via_external_group)
    select o.id, u.id, 'member', cast(${stamp.atIso} as text), 1
    from organizations o inner join users u on ${users('u.id')}
    where o.id in (${orgIds}) and not exists (select 1 from org_members om where om.org_id = o.id and om.user_id = u.id)
    on conflict do nothing`;
  const teamRows = sql`insert into team_members (team_id, user_id, role, via_external_group, created_at)
    select t.id, u.id, 'member', 1, cast(${stamp.atIso} as text)
    from teams t inner join users u on ${users('u.id')}
    where t.id in (${teamIds}) and not exists (select 1 from team_members tm where tm.team_id = t.id and tm.user_id = u.id)
    on conflict do nothing`;
  await runStep(db, dialect, linked, [audits, orgRows, teamRows]);
}

/**
 * Takes the users (a filter over a user-id column) out of every team given where they are group-managed members, and
 * out of a team's organization when they joined it only through a linked team and keep no other team there once these
 * teams are left. Organization owners (`admin`) and members who joined by other means stay. Audits
 * `team.remove_member` (per team) and `org.remove_member` (per organization, naming the last of its teams the user
 * leaves, as when the teams were processed one by one in id order); `external_group_id` is the team's
 * `scope.groupId` when it has one.
 *
 * Three statements whatever the number of teams and users (one on PostgreSQL, see `runStep`): the audit events, the
 * organization rows, the team rows. Organization rows go before team rows: their predicate reads the team memberships
 * about to go.
 */
export async function removeFromTeamsViaGroup(db: Db, dialect: DialectName, teams: readonly TeamScope[], users: UserFilter, stamp: AuditStamp): Promise<void> {
  const steps = inTeamOrder(teams);
  if (steps.length === 0) return;
  const prefixes = auditPrefixes(steps.length * 2);
  const rows = steps.map((team, i): CteValue[] => {
    const group = team.groupId === null ? {} : { external_group_id: team.groupId };
    const teamData = JSON.stringify({ org: team.orgLogin, team: teamLabel(team), ...group });
    const orgData = JSON.stringify({ org: team.orgLogin, team: teamLabel(team), reason: 'external_group', ...group });
    return [i, team.teamId, team.orgId, team.enterpriseId, prefixes[2 * i] ?? '', teamData, prefixes[2 * i + 1] ?? '', orgData];
  });
  const linked = linkedTeams(['seq', 'team_id', 'org_id', 'enterprise_id', 'team_prefix', 'team_data', 'org_prefix', 'org_data'], rows);
  const orgIds = sql.join([...new Set(steps.map((team) => team.orgId))]);
  const teamIds = sql.join(steps.map((team) => team.teamId));
  // A user leaves the organization when they keep no team there but group-managed memberships of these teams. A
  // scalar count, not `not exists`: PostgreSQL turns the latter into an anti-join, whose plan (on the fresh statistics
  // of a bulk link) scanned the whole 10,000-member team for every leaving member; the count runs per row on the
  // user's own memberships.
  const keepsNoOtherTeam = (userId: RawBuilder<unknown>, orgId: RawBuilder<unknown>) => sql`(select count(*) from team_members ot inner join teams ott on ott.id = ot.team_id
    where ot.user_id = ${userId} and ott.org_id = ${orgId} and (ot.via_external_group <> 1 or ot.team_id not in (${teamIds}))) = 0`;
  const audits = insertAudits(stamp, [
    sql`select l.seq, 0 as step, l.team_prefix || cast(tm.user_id as text) as document_id, l.enterprise_id, l.org_id, 'team.remove_member' as action,
        tm.user_id as user_id, u.login as login, l.team_data as data
      from linked l inner join team_members tm on tm.team_id = l.team_id inner join users u on u.id = tm.user_id
      where tm.via_external_group = 1 and ${users('tm.user_id')}`,
    sql`select l.seq, 1 as step, l.org_prefix || cast(om.user_id as text), l.enterprise_id, l.org_id, 'org.remove_member', om.user_id, u.login, l.org_data
      from linked l inner join org_members om on om.org_id = l.org_id inner join users u on u.id = om.user_id
      where om.via_external_group = 1 and om.role = 'member' and ${users('om.user_id')}
        and l.team_id = (select max(lm.team_id) from team_members lm inner join linked ll on ll.team_id = lm.team_id
          where lm.user_id = om.user_id and lm.via_external_group = 1 and ll.org_id = om.org_id)
        and ${keepsNoOtherTeam(sql.ref('om.user_id'), sql.ref('om.org_id'))}`,
  ], steps.length);
  const orgRows = sql`delete from org_members
    where org_id in (${orgIds}) and via_external_group = 1 and role = 'member' and ${users('org_members.user_id')}
      and exists (select 1 from team_members lm inner join teams lt on lt.id = lm.team_id
        where lm.user_id = org_members.user_id and lt.org_id = org_members.org_id and lm.via_external_group = 1 and lm.team_id in (${teamIds}))
      and ${keepsNoOtherTeam(sql.ref('org_members.user_id'), sql.ref('org_members.org_id'))}`;
  const teamRows = sql`delete from team_members where team_id in (${teamIds}) and via_external_group = 1 and ${users('team_members.user_id')}`;
  await runStep(db, dialect, linked, [audits, orgRows, teamRows]);
}
