/**
 * SQL for enterprise runner groups: the groups, their selected organizations and which runners they hold.
 * No rules here (those live in `service.ts`); every function takes the `Db` (usually the caller's transaction).
 * Groups are addressed by `(enterprise_id, number)`: `number` is the id clients see, counted per enterprise.
 */
import { sql, type Insertable } from 'kysely';
import type { Db } from '../context.ts';
import type { OrganizationRow, RunnerGroupRow, RunnerGroupTable, RunnerGroupUpdate } from '../../storage/tables.ts';

/** One group of an enterprise by its public number. */
export async function findGroup(db: Db, enterpriseId: number, number: number): Promise<RunnerGroupRow | undefined> {
  return db.selectFrom('runner_groups').selectAll().where('enterprise_id', '=', enterpriseId).where('number', '=', number).executeTakeFirst();
}

/**
 * Finds a group and, in the same statement, takes its row lock for the rest of the transaction (a no-op self-assignment,
 * so nothing observable changes). Writers to one group therefore serialize on PostgreSQL, e.g. deleting a group cannot
 * race a runner being added to it; SQLite serializes all writers anyway.
 */
export async function lockGroup(db: Db, enterpriseId: number, number: number): Promise<RunnerGroupRow | undefined> {
  return db
    .updateTable('runner_groups')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('enterprise_id', '=', enterpriseId)
    .where('number', '=', number)
    .returningAll()
    .executeTakeFirst();
}

/** The enterprise's Default group (every enterprise has exactly one, created with the enterprise). */
export async function findDefaultGroup(db: Db, enterpriseId: number): Promise<RunnerGroupRow> {
  return db
    .selectFrom('runner_groups')
    .selectAll()
    .where('enterprise_id', '=', enterpriseId)
    .where('is_default', '=', 1)
    .executeTakeFirstOrThrow();
}

/** Another group of the enterprise already using `nameLower`, if any. */
export async function findGroupByName(db: Db, enterpriseId: number, nameLower: string): Promise<RunnerGroupRow | undefined> {
  return db.selectFrom('runner_groups').selectAll().where('enterprise_id', '=', enterpriseId).where('name_lower', '=', nameLower).executeTakeFirst();
}

export interface GroupListFilter {
  enterpriseId: number;
  /** Only groups this organization may use: visibility `all`, or `selected` with the org selected. */
  visibleToOrgId?: number | undefined;
}

/** A page of groups ordered by number, with the total. */
export async function listGroups(db: Db, filter: GroupListFilter, page: { offset: number; perPage: number }): Promise<{ total: number; rows: RunnerGroupRow[] }> {
  let base = db.selectFrom('runner_groups as g').where('g.enterprise_id', '=', filter.enterpriseId);
  const orgId = filter.visibleToOrgId;
  if (orgId !== undefined) {
    base = base.where((eb) =>
      eb.or([
        eb('g.visibility', '=', 'all'),
        eb.and([
          eb('g.visibility', '=', 'selected'),
          eb.exists(eb.selectFrom('runner_group_orgs as o').select('o.org_id').whereRef('o.runner_group_id', '=', 'g.id').where('o.org_id', '=', orgId)),
        ]),
      ]),
    );
  }
  const count = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const rows = await base.selectAll('g').orderBy('g.number').limit(page.perPage).offset(page.offset).execute();
  return { total: Number(count.n), rows };
}

/**
 * Hands out the enterprise's next group number: one `UPDATE … RETURNING` (SQLite ≥ 3.35 and PostgreSQL), which also
 * locks the enterprise row until the transaction ends, so concurrent creates get distinct numbers.
 */
export async function nextGroupNumber(db: Db, enterpriseId: number): Promise<number> {
  const row = await db
    .updateTable('enterprises')
    .set((eb) => ({ runner_group_seq: eb('runner_group_seq', '+', 1) }))
    .where('id', '=', enterpriseId)
    .returning('runner_group_seq')
    .executeTakeFirstOrThrow();
  return Number(row.runner_group_seq);
}

export async function insertGroup(db: Db, values: Insertable<RunnerGroupTable>): Promise<RunnerGroupRow> {
  return db.insertInto('runner_groups').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateGroup(db: Db, groupId: number, changes: RunnerGroupUpdate): Promise<RunnerGroupRow> {
  return db.updateTable('runner_groups').set(changes).where('id', '=', groupId).returningAll().executeTakeFirstOrThrow();
}

export async function deleteGroup(db: Db, groupId: number): Promise<void> {
  await db.deleteFrom('runner_group_orgs').where('runner_group_id', '=', groupId).execute();
  await db.deleteFrom('runner_groups').where('id', '=', groupId).execute();
}

/** Organizations of the enterprise among `ids` (others are absent from the result). */
export async function orgsOfEnterprise(db: Db, enterpriseId: number, ids: readonly number[]): Promise<OrganizationRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('organizations').selectAll().where('enterprise_id', '=', enterpriseId).where('id', 'in', ids).execute();
}

/** One organization of the enterprise by id. */
export async function findOrgOfEnterprise(db: Db, enterpriseId: number, orgId: number): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('enterprise_id', '=', enterpriseId).where('id', '=', orgId).executeTakeFirst();
}

/** One organization of the enterprise by login (case-insensitive). */
export async function findOrgOfEnterpriseByLogin(db: Db, enterpriseId: number, login: string): Promise<OrganizationRow | undefined> {
  return db
    .selectFrom('organizations')
    .selectAll()
    .where('enterprise_id', '=', enterpriseId)
    .where('login_lower', '=', login.toLowerCase())
    .executeTakeFirst();
}

/** Ids of the organizations selected for a group, ascending. */
export async function selectedOrgIds(db: Db, groupId: number): Promise<number[]> {
  const rows = await db.selectFrom('runner_group_orgs').select('org_id').where('runner_group_id', '=', groupId).orderBy('org_id').execute();
  return rows.map((r) => r.org_id);
}

/** A page of the group's selected organizations ordered by id, with the total. */
export async function listSelectedOrgs(db: Db, groupId: number, page: { offset: number; perPage: number }): Promise<{ total: number; rows: OrganizationRow[] }> {
  const base = db.selectFrom('runner_group_orgs as s').innerJoin('organizations as o', 'o.id', 's.org_id').where('s.runner_group_id', '=', groupId);
  const count = await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const rows = await base.selectAll('o').orderBy('o.id').limit(page.perPage).offset(page.offset).execute();
  return { total: Number(count.n), rows };
}

export async function addSelectedOrgs(db: Db, groupId: number, orgIds: readonly number[]): Promise<void> {
  if (orgIds.length === 0) return;
  await db
    .insertInto('runner_group_orgs')
    .values(orgIds.map((org_id) => ({ runner_group_id: groupId, org_id })))
    .onConflict((oc) => oc.columns(['runner_group_id', 'org_id']).doNothing())
    .execute();
}

export async function removeSelectedOrgs(db: Db, groupId: number, orgIds: readonly number[]): Promise<void> {
  if (orgIds.length === 0) return;
  await db.deleteFrom('runner_group_orgs').where('runner_group_id', '=', groupId).where('org_id', 'in', orgIds).execute();
}

/**
 * Moves runners of the enterprise into a group (a runner is in exactly one group, so this takes each out of its
 * current one). Returns the ids that actually moved, ascending; runners already in the group are left alone.
 */
export async function moveRunnersInto(db: Db, enterpriseId: number, runnerIds: readonly number[], groupId: number, now: string): Promise<number[]> {
  if (runnerIds.length === 0) return [];
  const rows = await db
    .updateTable('runners')
    .set({ runner_group_id: groupId, updated_at: now })
    .where('enterprise_id', '=', enterpriseId)
    .where('id', 'in', runnerIds)
    .where('runner_group_id', '<>', groupId)
    .returning('id')
    .execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/**
 * Moves every runner of group `fromGroupId` except `keep` into group `toGroupId` (back to Default, when a group is
 * deleted or its runners are replaced). Returns the ids moved, ascending.
 */
export async function moveGroupRunners(db: Db, fromGroupId: number, toGroupId: number, now: string, keep: readonly number[] = []): Promise<number[]> {
  let query = db.updateTable('runners').set({ runner_group_id: toGroupId, updated_at: now }).where('runner_group_id', '=', fromGroupId);
  if (keep.length > 0) query = query.where('id', 'not in', keep);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
