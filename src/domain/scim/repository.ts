/**
 * SQL for SCIM identities and groups (`scim_users`, `scim_user_values`, `scim_groups`, `scim_group_members`;
 * migrations 0005 and 0007). Only SQL here; the services decide what to write. Every lookup is tenant-scoped, and
 * membership is changed row by row: adding one member to a group of 100,000 inserts one row (and moves that one
 * member's version, `touchUserVersions`).
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { JsonObject } from '../../scim/engine/index.ts';
import type { DialectName } from '../../storage/db.ts';
import { precompiled } from '../../storage/precompiled.ts';
import { withScimTables, type ScimDb, type UserValueRow } from '../../storage/scim-filter-sql.ts';
import type { Bool, ScimDialectName } from '../../storage/tables.ts';
import type { Db } from '../context.ts';
import type { MemberRef, StoredGroup, StoredUser } from './types.ts';

/** Rows per `IN (...)` list or multi-row insert; far below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

export function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function parseResource(text: string): JsonObject {
  const value = JSON.parse(text) as unknown;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

interface UserRowShape {
  id: number;
  scim_id: string;
  user_id: number | null;
  user_name: string;
  external_id: string | null;
  display_name: string | null;
  active: Bool;
  login_lower: string | null;
  resource: string;
  version: number;
  created_at: string;
  updated_at: string;
}

function toStoredUser(row: UserRowShape): StoredUser {
  return {
    rowId: row.id,
    scimId: row.scim_id,
    userId: row.user_id,
    userName: row.user_name,
    externalId: row.external_id,
    displayName: row.display_name,
    active: row.active === 1,
    loginLower: row.login_lower,
    resource: parseResource(row.resource),
    version: row.version,
    created: row.created_at,
    lastModified: row.updated_at,
  };
}

const USER_COLUMNS = [
  'scim_users.id',
  'scim_users.scim_id',
  'scim_users.user_id',
  'scim_users.user_name',
  'scim_users.external_id',
  'scim_users.display_name',
  'scim_users.active',
  'scim_users.login_lower',
  'scim_users.resource',
  'scim_users.version',
  'scim_users.created_at',
  'scim_users.updated_at',
] as const;

// Every GET, PUT and PATCH of a User starts with this lookup; precompiled (src/storage/precompiled.ts) to skip query
// building. The store is passed as `Db`: precompiled queries only compile and run, and `withScimTables` gives the view.
const userByScimId = precompiled((db: Db, p: { scope: string; scimId: string }) =>
  withScimTables(db).selectFrom('scim_users').select(USER_COLUMNS).where('scope', '=', p.scope).where('scim_id', '=', p.scimId),
);

export async function findUser(db: ScimDb, scope: string, scimId: string): Promise<StoredUser | undefined> {
  const [row] = await userByScimId(db as unknown as Db, { scope, scimId });
  return row === undefined ? undefined : toStoredUser(row);
}

/**
 * Identities of the tenant with these SCIM ids (unknown ids and other tenants' are simply absent from the result).
 * The lookup goes by the globally unique `scim_id` index and the tenant is checked on the rows found: with
 * `scope = ?` in the SQL, SQLite's planner prefers the tenant's `(scope, id)` index for an `IN` list and walks the
 * whole tenant (100,000 rows for one PUT of a large group).
 */
export async function findUsersByScimIds(db: ScimDb, scope: string, scimIds: readonly string[]): Promise<MemberRef[]> {
  const out: MemberRef[] = [];
  for (const ids of chunked([...new Set(scimIds)])) {
    const rows = await db.selectFrom('scim_users').select(['id', 'scim_id', 'user_id', 'scope']).where('scim_id', 'in', ids).execute();
    for (const row of rows) if (row.scope === scope) out.push({ rowId: row.id, scimId: row.scim_id, userId: row.user_id });
  }
  return out;
}

/**
 * Conflicting identities of the tenant, for precise 409 messages (the unique constraints remain the guard). Each
 * alternative repeats the tenant so that it matches one of the tenant's unique indexes on its own: SQLite answers
 * the `or` as a union of three index lookups, where `scope = ? and (a or b or c)` walked every identity of the tenant.
 */
export async function findUserConflict(
  db: ScimDb,
  scope: string,
  candidate: { userNameLower: string; externalId: string | null; loginLower: string | null },
  exceptRowId?: number,
): Promise<'userName' | 'externalId' | 'login' | undefined> {
  let query = db
    .selectFrom('scim_users')
    .select(['id', 'user_name_lower', 'external_id', 'login_lower'])
    .where((eb) => {
      const ors = [eb.and([eb('scope', '=', scope), eb('user_name_lower', '=', candidate.userNameLower)])];
      if (candidate.externalId !== null) ors.push(eb.and([eb('scope', '=', scope), eb('external_id', '=', candidate.externalId)]));
      if (candidate.loginLower !== null) ors.push(eb.and([eb('scope', '=', scope), eb('login_lower', '=', candidate.loginLower)]));
      return eb.or(ors);
    });
  if (exceptRowId !== undefined) query = query.where('id', '<>', exceptRowId);
  const rows = await query.limit(3).execute();
  if (rows.some((r) => r.user_name_lower === candidate.userNameLower)) return 'userName';
  if (candidate.externalId !== null && rows.some((r) => r.external_id === candidate.externalId)) return 'externalId';
  if (rows.length > 0) return 'login';
  return undefined;
}

export async function countUsers(db: ScimDb, scope: string, where: RawBuilder<SqlBool> | undefined): Promise<number> {
  let query = db.selectFrom('scim_users').select(sql<number>`count(*)`.as('n')).where('scim_users.scope', '=', scope);
  if (where !== undefined) query = query.where(where);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Positions between two anchors of a list locator (`locateList`): a page walks at most this many index entries. */
export const ANCHOR_SPACING = 1000;

/**
 * Where the pages of a tenant's unfiltered list (identities or groups, in id order) are: the list's length and every
 * `ANCHOR_SPACING`-th id. With it, `startIndex=90001` starts at `anchors[90]` and skips 0 entries instead of 90,000.
 */
export interface ListLocator {
  readonly total: number;
  /** `anchors[j]` is the id at 0-based position `j * ANCHOR_SPACING`. */
  readonly anchors: readonly number[];
}

/** A page of a list in id order: `limit` rows after skipping `offset`, counted from the row `fromId` if given. */
export interface PageWindow {
  readonly fromId?: number | undefined;
  readonly offset: number;
  readonly limit: number;
}

export type ListTable = 'scim_users' | 'scim_groups';

/**
 * The locator of a tenant's list, in one walk of its `(scope, id)` index (as much as `count(*)` reads): a recursive
 * query hops from one anchor to the next (`id > previous … limit 1 offset ANCHOR_SPACING - 1`), then the rows from
 * the last anchor on are counted (fewer than `ANCHOR_SPACING`). Meant to be kept in the read cache
 * (`src/storage/read-cache.ts`), which drops it on any write. On SQLite only: without statistics (a fresh or never
 * analyzed database) PostgreSQL's planner answers each hop with a bitmap scan and a sort of the whole tenant.
 */
export async function locateList(db: ScimDb, table: ListTable, scope: string): Promise<ListLocator> {
  const t = sql.table(table);
  const hops = await sql<{ id: number }>`with recursive anchor(id) as (
      select (select u0.id from ${t} as u0 where u0.scope = ${scope} order by u0.id limit 1)
      union all
      select (select u1.id from ${t} as u1 where u1.scope = ${scope} and u1.id > anchor.id order by u1.id limit 1 offset ${ANCHOR_SPACING - 1})
      from anchor where anchor.id is not null
    )
    select id from anchor where id is not null`.execute(db);
  const anchors = hops.rows.map((row) => Number(row.id));
  const last = anchors.at(-1);
  if (last === undefined) return { total: 0, anchors };
  const tail = await sql<{ n: number }>`select count(*) as n from ${t} where scope = ${scope} and id >= ${last}`.execute(db);
  return { total: (anchors.length - 1) * ANCHOR_SPACING + Number(tail.rows[0]?.n ?? 0), anchors };
}

/** The page at 0-based `offset` of a list with this locator (undefined past its end). */
export function pageFromLocator(locator: ListLocator, offset: number, limit: number): PageWindow | undefined {
  if (offset >= locator.total) return undefined;
  const j = Math.floor(offset / ANCHOR_SPACING);
  return { fromId: locator.anchors[j], offset: offset - j * ANCHOR_SPACING, limit };
}

/**
 * One page of the tenant's identities in id order (stable across pages, X10). The page's ids are found first (for an
 * unfiltered list from the `(scope, id)` index alone, from the anchor `fromId` on when the caller has one), then only
 * those rows are read: a plain `OFFSET` reads and discards every skipped row, 90,000 whole resources for
 * `startIndex=90000`.
 */
export async function listUsers(db: ScimDb, scope: string, where: RawBuilder<SqlBool> | undefined, window: PageWindow): Promise<StoredUser[]> {
  let page = db.selectFrom('scim_users').select('scim_users.id').where('scim_users.scope', '=', scope);
  if (window.fromId !== undefined) page = page.where('scim_users.id', '>=', window.fromId);
  if (where !== undefined) page = page.where(where);
  page = page.orderBy('scim_users.id').limit(window.limit).offset(window.offset);
  const rows = await db.selectFrom('scim_users').select(USER_COLUMNS).where('scim_users.id', 'in', page).orderBy('scim_users.id').execute();
  return rows.map(toStoredUser);
}

export interface UserColumns {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  active: boolean;
  loginLower: string | null;
  resource: JsonObject;
}

function userColumnValues(columns: UserColumns) {
  return {
    user_name: columns.userName,
    user_name_lower: columns.userName.toLowerCase(),
    external_id: columns.externalId,
    display_name: columns.displayName,
    display_name_lower: columns.displayName === null ? null : columns.displayName.toLowerCase(),
    active: (columns.active ? 1 : 0) as Bool,
    login_lower: columns.loginLower,
    resource: JSON.stringify(columns.resource),
  };
}

export async function insertUser(
  db: ScimDb,
  identity: { scimId: string; scope: string; dialect: ScimDialectName; enterpriseId: number | null; orgId: number | null; now: string },
  columns: UserColumns,
): Promise<StoredUser> {
  const row = await db
    .insertInto('scim_users')
    .values({
      scim_id: identity.scimId,
      scope: identity.scope,
      dialect: identity.dialect,
      enterprise_id: identity.enterpriseId,
      org_id: identity.orgId,
      user_id: null,
      ...userColumnValues(columns),
      version: 1,
      created_at: identity.now,
      updated_at: identity.now,
    })
    .returning(USER_COLUMNS.map((c) => c.replace('scim_users.', '')) as unknown as typeof USER_COLUMNS)
    .executeTakeFirstOrThrow();
  return toStoredUser(row as unknown as UserRowShape);
}

/**
 * Writes new columns if the row still has `expectedVersion` (optimistic concurrency); false when another request
 * changed it meanwhile.
 */
export async function updateUser(db: ScimDb, rowId: number, expectedVersion: number, columns: UserColumns, now: string): Promise<boolean> {
  const result = await db
    .updateTable('scim_users')
    .set({ ...userColumnValues(columns), version: expectedVersion + 1, updated_at: now })
    .where('id', '=', rowId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function linkUserAccount(db: ScimDb, rowId: number, userId: number | null): Promise<void> {
  await db.updateTable('scim_users').set({ user_id: userId }).where('id', '=', rowId).execute();
}

export async function deleteUser(db: ScimDb, rowId: number): Promise<void> {
  await db.deleteFrom('scim_users').where('id', '=', rowId).execute();
}

/** Replaces the filter index rows of one identity. */
export async function replaceUserValues(db: ScimDb, rowId: number, scope: string, rows: readonly UserValueRow[], fresh = false): Promise<void> {
  if (!fresh) await db.deleteFrom('scim_user_values').where('user_id', '=', rowId).execute();
  for (const part of chunked(rows, 200)) {
    await db
      .insertInto('scim_user_values')
      .values(part.map((r) => ({ ...r, user_id: rowId, scope })))
      .execute();
  }
}

/**
 * Moves the version and `lastModified` of identities whose derived `groups` attribute changed (a membership added or
 * removed), so that their ETag changes with their representation. One statement per 500 identities.
 */
export async function touchUserVersions(db: ScimDb, rowIds: readonly number[], now: string): Promise<void> {
  for (const ids of chunked([...new Set(rowIds)])) {
    await db
      .updateTable('scim_users')
      .set((eb) => ({ version: eb('version', '+', 1), updated_at: now }))
      .where('id', 'in', ids)
      .execute();
  }
}

/**
 * Like `touchUserVersions`, for every member of a group (the group is renamed or deleted, which every member's
 * `groups` shows): one statement, the members found by the membership key.
 */
export async function touchMemberVersions(db: ScimDb, groupRowId: number, now: string): Promise<void> {
  await db
    .updateTable('scim_users')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: now }))
    .where('id', 'in', (eb) => eb.selectFrom('scim_group_members').select('scim_group_members.scim_user_id').where('scim_group_members.group_id', '=', groupRowId))
    .execute();
}

/**
 * The reverse of `touchMemberVersions`: moves the version and `lastModified` of every group an identity belongs to,
 * because its `members[].display` (the identity's displayName, or userName) changed. One statement, the groups found
 * by the membership index. Callers write these group rows before the identity's own row, the order group writes
 * take them in (group row, then its members' rows), so that on PostgreSQL a user write and a group write never wait
 * on each other in a cycle; the groups themselves are locked in id order (`for update` in a sorted subquery) so that
 * two user writes sharing several groups queue on the first one instead of deadlocking. SQLite has one writer at a
 * time and no row locks.
 */
export async function touchGroupsOfMember(db: ScimDb, dialect: DialectName, userRowId: number, now: string): Promise<void> {
  const groupIds = db.selectFrom('scim_group_members').select('scim_group_members.group_id').where('scim_group_members.scim_user_id', '=', userRowId);
  const target =
    dialect === 'postgres'
      ? db.selectFrom('scim_groups as locked').select('locked.id').where('locked.id', 'in', groupIds).orderBy('locked.id').forUpdate()
      : groupIds;
  await db
    .updateTable('scim_groups')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: now }))
    .where('scim_groups.id', 'in', target)
    .execute();
}

export interface GroupOfUser {
  readonly scimId: string;
  readonly displayName: string;
}

const groupsOfOneUser = precompiled((db: Db, p: { rowId: number }) =>
  db
    .selectFrom('scim_group_members as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select(['m.scim_user_id', 'g.scim_id', 'g.display_name'])
    .where('m.scim_user_id', '=', p.rowId)
    .orderBy('g.id'),
);

/** The groups of each identity (for the derived `groups` attribute), ordered by group id. */
export async function groupsOfUsers(db: ScimDb, rowIds: readonly number[]): Promise<Map<number, GroupOfUser[]>> {
  const out = new Map<number, GroupOfUser[]>();
  if (rowIds.length === 1) {
    // One identity (GET, a write's answer, a one-result filter): the same query, precompiled.
    const rowId = rowIds[0] as number;
    const rows = await groupsOfOneUser(db as unknown as Db, { rowId });
    out.set(rowId, rows.map((row) => ({ scimId: row.scim_id, displayName: row.display_name })));
    return out;
  }
  for (const ids of chunked(rowIds)) {
    const rows = await db
      .selectFrom('scim_group_members as m')
      .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
      .select(['m.scim_user_id', 'g.scim_id', 'g.display_name'])
      .where('m.scim_user_id', 'in', ids)
      .orderBy('m.scim_user_id')
      .orderBy('g.id')
      .execute();
    for (const row of rows) {
      const list = out.get(row.scim_user_id) ?? [];
      list.push({ scimId: row.scim_id, displayName: row.display_name });
      out.set(row.scim_user_id, list);
    }
  }
  return out;
}

/** Groups (internal ids) an identity belongs to. */
export async function groupIdsOfUser(db: ScimDb, rowId: number): Promise<number[]> {
  const rows = await db.selectFrom('scim_group_members').select('group_id').where('scim_user_id', '=', rowId).orderBy('group_id').execute();
  return rows.map((r) => r.group_id);
}

interface GroupRowShape {
  id: number;
  scim_id: string;
  display_name: string;
  external_id: string | null;
  resource: string;
  version: number;
  created_at: string;
  updated_at: string;
}

function toStoredGroup(row: GroupRowShape): StoredGroup {
  return {
    rowId: row.id,
    scimId: row.scim_id,
    displayName: row.display_name,
    externalId: row.external_id,
    resource: parseResource(row.resource),
    version: row.version,
    created: row.created_at,
    lastModified: row.updated_at,
  };
}

const GROUP_COLUMNS = [
  'scim_groups.id',
  'scim_groups.scim_id',
  'scim_groups.display_name',
  'scim_groups.external_id',
  'scim_groups.resource',
  'scim_groups.version',
  'scim_groups.created_at',
  'scim_groups.updated_at',
] as const;

export async function findGroup(db: ScimDb, scope: string, scimId: string): Promise<StoredGroup | undefined> {
  const row = await db.selectFrom('scim_groups').select(GROUP_COLUMNS).where('scope', '=', scope).where('scim_id', '=', scimId).executeTakeFirst();
  return row === undefined ? undefined : toStoredGroup(row);
}

export async function findGroupConflict(db: ScimDb, scope: string, externalId: string | null, exceptRowId?: number): Promise<boolean> {
  if (externalId === null) return false;
  let query = db.selectFrom('scim_groups').select('id').where('scope', '=', scope).where('external_id', '=', externalId);
  if (exceptRowId !== undefined) query = query.where('id', '<>', exceptRowId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function countGroups(db: ScimDb, scope: string, where: RawBuilder<SqlBool> | undefined): Promise<number> {
  let query = db.selectFrom('scim_groups').select(sql<number>`count(*)`.as('n')).where('scim_groups.scope', '=', scope);
  if (where !== undefined) query = query.where(where);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** One page of the tenant's groups in id order: ids first, then only those rows (as `listUsers`). */
export async function listGroups(db: ScimDb, scope: string, where: RawBuilder<SqlBool> | undefined, window: PageWindow): Promise<StoredGroup[]> {
  let page = db.selectFrom('scim_groups').select('scim_groups.id').where('scim_groups.scope', '=', scope);
  if (window.fromId !== undefined) page = page.where('scim_groups.id', '>=', window.fromId);
  if (where !== undefined) page = page.where(where);
  page = page.orderBy('scim_groups.id').limit(window.limit).offset(window.offset);
  const rows = await db.selectFrom('scim_groups').select(GROUP_COLUMNS).where('scim_groups.id', 'in', page).orderBy('scim_groups.id').execute();
  return rows.map(toStoredGroup);
}

export interface GroupColumns {
  displayName: string;
  externalId: string | null;
  resource: JsonObject;
}

function groupColumnValues(columns: GroupColumns) {
  return {
    display_name: columns.displayName,
    display_name_lower: columns.displayName.toLowerCase(),
    external_id: columns.externalId,
    resource: JSON.stringify(columns.resource),
  };
}

export async function insertGroup(
  db: ScimDb,
  identity: { scimId: string; scope: string; dialect: ScimDialectName; enterpriseId: number | null; now: string },
  columns: GroupColumns,
): Promise<StoredGroup> {
  const row = await db
    .insertInto('scim_groups')
    .values({
      scim_id: identity.scimId,
      scope: identity.scope,
      dialect: identity.dialect,
      enterprise_id: identity.enterpriseId,
      ...groupColumnValues(columns),
      version: 1,
      created_at: identity.now,
      updated_at: identity.now,
    })
    .returning(['id', 'scim_id', 'display_name', 'external_id', 'resource', 'version', 'created_at', 'updated_at'])
    .executeTakeFirstOrThrow();
  return toStoredGroup(row);
}

/** Like `updateUser`: false when the group changed meanwhile. */
export async function updateGroup(db: ScimDb, rowId: number, expectedVersion: number, columns: GroupColumns, now: string): Promise<boolean> {
  const result = await db
    .updateTable('scim_groups')
    .set({ ...groupColumnValues(columns), version: expectedVersion + 1, updated_at: now })
    .where('id', '=', rowId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A membership change moves the group's version and lastModified (one row), nothing else. */
export async function touchGroupVersion(db: ScimDb, rowId: number, expectedVersion: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('scim_groups')
    .set({ version: expectedVersion + 1, updated_at: now })
    .where('id', '=', rowId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteGroup(db: ScimDb, rowId: number): Promise<void> {
  await db.deleteFrom('scim_groups').where('id', '=', rowId).execute();
}

export interface MemberOfGroup {
  readonly scimId: string;
  readonly display: string;
}

/** Members of each group (for the `members` attribute), in identity id order. */
export async function membersOfGroups(db: ScimDb, groupRowIds: readonly number[]): Promise<Map<number, MemberOfGroup[]>> {
  const out = new Map<number, MemberOfGroup[]>();
  for (const ids of chunked(groupRowIds)) {
    const rows = await db
      .selectFrom('scim_group_members as m')
      .innerJoin('scim_users as u', 'u.id', 'm.scim_user_id')
      .select(['m.group_id', 'u.scim_id', 'u.display_name', 'u.user_name'])
      .where('m.group_id', 'in', ids)
      .orderBy('m.group_id')
      .orderBy('u.id')
      .execute();
    for (const row of rows) {
      const list = out.get(row.group_id) ?? [];
      list.push({ scimId: row.scim_id, display: row.display_name ?? row.user_name });
      out.set(row.group_id, list);
    }
  }
  return out;
}

/** Which of these identities are members of the group (looks at those rows only). */
export async function memberRowIdsAmong(db: ScimDb, groupRowId: number, userRowIds: readonly number[]): Promise<Set<number>> {
  const out = new Set<number>();
  for (const ids of chunked(userRowIds)) {
    const rows = await db.selectFrom('scim_group_members').select('scim_user_id').where('group_id', '=', groupRowId).where('scim_user_id', 'in', ids).execute();
    for (const row of rows) out.add(row.scim_user_id);
  }
  return out;
}

export async function insertMembers(db: ScimDb, groupRowId: number, userRowIds: readonly number[]): Promise<void> {
  for (const ids of chunked(userRowIds)) {
    await db
      .insertInto('scim_group_members')
      .values(ids.map((id) => ({ group_id: groupRowId, scim_user_id: id })))
      .onConflict((oc) => oc.columns(['group_id', 'scim_user_id']).doNothing())
      .execute();
  }
}

export async function deleteMembers(db: ScimDb, groupRowId: number, userRowIds: readonly number[]): Promise<void> {
  for (const ids of chunked(userRowIds)) {
    await db.deleteFrom('scim_group_members').where('group_id', '=', groupRowId).where('scim_user_id', 'in', ids).execute();
  }
}

/** All members of a group, optionally only those matching a predicate over their `scim_users` row (`u`). */
export async function selectMembers(db: ScimDb, groupRowId: number, where?: RawBuilder<SqlBool>): Promise<MemberRef[]> {
  let query = db
    .selectFrom('scim_group_members as m')
    .innerJoin('scim_users as u', 'u.id', 'm.scim_user_id')
    .select(['u.id', 'u.scim_id', 'u.user_id'])
    .where('m.group_id', '=', groupRowId);
  if (where !== undefined) query = query.where(where);
  const rows = await query.orderBy('u.id').execute();
  return rows.map((r) => ({ rowId: r.id, scimId: r.scim_id, userId: r.user_id }));
}
