/**
 * Reset and named snapshots of the whole store, kept in the store itself so that every instance on one database sees
 * them:
 * - SQLite: one copy table per data table, `gatehouse_snapshot_<n>__<table>`, in the same database file;
 * - PostgreSQL: one schema per snapshot, `gatehouse_snapshot_<n>`, holding a copy of every table.
 * A catalog table, `gatehouse_snapshots`, names them. The tables copied are read from the database's own catalog
 * (everything the migrations created, bar the migrator's bookkeeping and the snapshots themselves), so a table a new
 * migration adds is captured without anyone listing it. Id sequences are saved and restored too, so ids handed out
 * after a restore are the ones that would have followed the snapshot.
 *
 * Site administrators and their tokens survive a reset and a restore (the control API's caller must be able to go
 * on): after the store is emptied or restored, every site-administrator account that existed before, and its tokens,
 * is put back unless the restored data already has that id or login.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DomainContext } from '../domain/context.ts';
import { demoSeed } from '../domain/seed/demo.ts';
import { applySeed, type SeedResult } from '../domain/seed/seed.ts';
import type { DialectName } from '../storage/db.ts';
import type { AccessTokenTable, Database, UserTable } from '../storage/tables.ts';
import type { Selectable } from 'kysely';

const CATALOG = 'gatehouse_snapshots';
const PREFIX = 'gatehouse_snapshot_';
const BOOKKEEPING = new Set(['gatehouse_migrations', 'gatehouse_migrations_lock', CATALOG]);

type Trx = Transaction<Database>;
type AnyDb = Kysely<Database> | Trx;

export class SnapshotError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

export interface SnapshotInfo {
  name: string;
  created_at: string;
  tables: number;
  rows: number;
}

interface SavedSequence {
  name: string;
  value: number;
  called: boolean;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Every table the migrations created, from the database's catalog. */
export async function dataTables(db: AnyDb, dialect: DialectName): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`.execute(db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(
          db,
        );
  return rows.rows.map((r) => r.name).filter((name) => !BOOKKEEPING.has(name) && !name.startsWith(PREFIX));
}

/** PostgreSQL: the tables ordered so that every table comes after the tables its foreign keys reference. */
async function dependencyOrder(db: AnyDb, tables: string[]): Promise<string[]> {
  const edges = await sql<{ child: string; parent: string }>`
    select c.relname as child, p.relname as parent
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_class p on p.oid = k.confrelid
    join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname = current_schema()`.execute(db);
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of edges.rows) if (child !== parent) parents.get(child)?.add(parent);
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (table: string, path: Set<string>): void => {
    if (seen.has(table) || path.has(table)) return;
    path.add(table);
    for (const parent of parents.get(table) ?? []) visit(parent, path);
    seen.add(table);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

/** Column names of every table in a schema (PostgreSQL: the current one by default) or of the SQLite tables named. */
async function columnsByTable(db: AnyDb, dialect: DialectName, tables: string[], schema?: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (dialect === 'sqlite') {
    for (const table of tables) {
      const rows = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
      out.set(table, rows.rows.map((r) => r.name));
    }
    return out;
  }
  // pg_catalog rather than information_schema: one query, milliseconds instead of tens of them.
  const rows = await sql<{ table: string; column: string }>`
    select c.relname as "table", a.attname as "column"
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = coalesce(${schema ?? null}, current_schema()) and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`.execute(db);
  for (const { table, column } of rows.rows) {
    let list = out.get(table);
    if (list === undefined) out.set(table, (list = []));
    list.push(column);
  }
  return out;
}

async function isSuperuser(db: AnyDb): Promise<boolean> {
  const row = await sql<{ su: boolean }>`select rolsuper as su from pg_roles where rolname = current_user`.execute(db);
  return row.rows[0]?.su === true;
}

async function ensureCatalog(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  const id = dialect === 'sqlite' ? 'integer primary key autoincrement' : 'serial primary key';
  try {
    await sql
      .raw(`create table if not exists ${CATALOG} (id ${id}, name text not null unique, created_at text not null, tables text not null, row_count integer not null, sequences text not null)`)
      .execute(db);
  } catch (error) {
    // Two PostgreSQL instances creating it at once: one wins, the other's duplicate-type error is harmless.
    if ((await sql<{ n: number }>`select count(*) as n from ${sql.table(CATALOG)}`.execute(db).catch(() => undefined)) === undefined) throw error;
  }
}

async function readSequences(db: AnyDb, dialect: DialectName): Promise<SavedSequence[]> {
  if (dialect === 'sqlite') {
    const rows = await sql<{ name: string; seq: number }>`select name, seq from sqlite_sequence`.execute(db);
    return rows.rows.filter((r) => !BOOKKEEPING.has(r.name) && !r.name.startsWith(PREFIX)).map((r) => ({ name: r.name, value: Number(r.seq), called: true }));
  }
  const names = await sql<{ name: string }>`select sequencename as name from pg_sequences where schemaname = current_schema()`.execute(db);
  const out: SavedSequence[] = [];
  for (const { name } of names.rows) {
    if (name.startsWith(CATALOG)) continue;
    const row = await sql<{ last_value: number; is_called: boolean }>`select last_value, is_called from ${sql.table(name)}`.execute(db);
    const first = row.rows[0];
    if (first !== undefined) out.push({ name, value: Number(first.last_value), called: first.is_called });
  }
  return out;
}

async function writeSequences(db: AnyDb, dialect: DialectName, sequences: SavedSequence[]): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`delete from sqlite_sequence where name not like ${`${PREFIX}%`} and name <> ${CATALOG}`.execute(db);
    for (const s of sequences) await sql`insert into sqlite_sequence (name, seq) values (${s.name}, ${s.value})`.execute(db);
    return;
  }
  const existing = new Set((await sql<{ name: string }>`select sequencename as name from pg_sequences where schemaname = current_schema()`.execute(db)).rows.map((r) => r.name));
  for (const s of sequences) if (existing.has(s.name)) await sql`select setval(${ident(s.name)}::regclass, ${s.value}, ${s.called})`.execute(db);
}

interface Preserved {
  users: Array<Selectable<UserTable>>;
  tokens: Array<Selectable<AccessTokenTable>>;
}

async function siteAdmins(db: AnyDb): Promise<Preserved> {
  const users = await db.selectFrom('users').selectAll().where('site_admin', '=', 1).execute();
  const ids = users.map((u) => u.id);
  const tokens = ids.length === 0 ? [] : await db.selectFrom('access_tokens').selectAll().where('user_id', 'in', ids).execute();
  return { users, tokens };
}

/** Puts back the site administrators (and their tokens) the emptied or restored store no longer has. */
async function putBack(db: AnyDb, dialect: DialectName, preserved: Preserved): Promise<void> {
  const present = new Set<number>();
  for (const user of preserved.users) {
    const clash = await db
      .selectFrom('users')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', user.id), eb('login_lower', '=', user.login_lower)]))
      .executeTakeFirst();
    if (clash === undefined) {
      await db.insertInto('users').values({ ...user, managed_by_enterprise_id: null }).execute();
      present.add(user.id);
    } else if (clash.id === user.id) present.add(user.id);
  }
  for (const token of preserved.tokens) {
    if (!present.has(token.user_id)) continue;
    const clash = await db
      .selectFrom('access_tokens')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', token.id), eb('token_hash', '=', token.token_hash)]))
      .executeTakeFirst();
    if (clash === undefined) await db.insertInto('access_tokens').values(token).execute();
  }
  if (dialect === 'postgres') {
    // Explicit ids do not move a serial's sequence: raise it past them.
    for (const table of ['users', 'access_tokens']) {
      const seq = (await sql<{ seq: string | null }>`select pg_get_serial_sequence(${table}, 'id') as seq`.execute(db)).rows[0]?.seq;
      if (seq === null || seq === undefined) continue;
      await sql`select setval(${seq}::regclass, greatest((select coalesce(max(id), 0) from ${sql.table(table)}), (select last_value from ${sql.raw(seq)})))`.execute(db);
    }
  }
}

async function emptyTables(trx: Trx, dialect: DialectName, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  if (dialect === 'sqlite') await sql`pragma defer_foreign_keys = on`.execute(trx);
  // PostgreSQL: DELETE rather than TRUNCATE, children first (`tables` is in dependency order): TRUNCATE replaces every
  // table's and index's files, which cost ~0.7 s for the schema's tables on the reference machine, whatever their size.
  for (const table of dialect === 'postgres' ? [...tables].reverse() : tables) await sql`delete from ${sql.table(table)}`.execute(trx);
}

function snapshotTable(dialect: DialectName, id: number, table: string): string {
  return dialect === 'sqlite' ? ident(`${PREFIX}${id}__${table}`) : `${ident(`${PREFIX}${id}`)}.${ident(table)}`;
}

async function dropSnapshotStorage(db: AnyDb, dialect: DialectName, id: number, tables: string[]): Promise<void> {
  if (dialect === 'postgres') {
    await sql.raw(`drop schema if exists ${ident(`${PREFIX}${id}`)} cascade`).execute(db);
    return;
  }
  for (const table of tables) await sql.raw(`drop table if exists ${snapshotTable(dialect, id, table)}`).execute(db);
}

export const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export class Snapshots {
  #catalogReady = false;

  constructor(private readonly ctx: DomainContext) {}

  async #catalog(): Promise<void> {
    if (this.#catalogReady) return;
    await ensureCatalog(this.ctx.db, this.ctx.dialect);
    this.#catalogReady = true;
  }

  async list(): Promise<SnapshotInfo[]> {
    await this.#catalog();
    const rows = await sql<{ name: string; created_at: string; tables: string; row_count: number }>`select name, created_at, tables, row_count from ${sql.table(CATALOG)} order by id`.execute(
      this.ctx.db,
    );
    return rows.rows.map((r) => ({ name: r.name, created_at: r.created_at, tables: (JSON.parse(r.tables) as string[]).length, rows: Number(r.row_count) }));
  }

  /** Saves the whole store under `name`, replacing a snapshot of that name. */
  async save(name: string): Promise<SnapshotInfo> {
    await this.#catalog();
    const { dialect } = this.ctx;
    const createdAt = this.ctx.clock.now().toISOString();
    return this.ctx.db.transaction().execute(async (trx) => {
      const old = await sql<{ id: number; tables: string }>`select id, tables from ${sql.table(CATALOG)} where name = ${name}`.execute(trx);
      for (const row of old.rows) {
        await dropSnapshotStorage(trx, dialect, row.id, JSON.parse(row.tables) as string[]);
        await sql`delete from ${sql.table(CATALOG)} where id = ${row.id}`.execute(trx);
      }
      const tables = await dataTables(trx, dialect);
      const sequences = await readSequences(trx, dialect);
      const inserted = await sql<{ id: number }>`insert into ${sql.table(CATALOG)} (name, created_at, tables, row_count, sequences) values (${name}, ${createdAt}, ${JSON.stringify(tables)}, 0, ${JSON.stringify(sequences)}) returning id`.execute(
        trx,
      );
      const id = Number(inserted.rows[0]?.id);
      if (dialect === 'postgres') await sql.raw(`create schema ${ident(`${PREFIX}${id}`)}`).execute(trx);
      let rowCount = 0;
      for (const table of tables) {
        await sql.raw(`create table ${snapshotTable(dialect, id, table)} as select * from ${ident(table)}`).execute(trx);
        const counted = await sql<{ n: number }>`select count(*) as n from ${sql.raw(snapshotTable(dialect, id, table))}`.execute(trx);
        rowCount += Number(counted.rows[0]?.n ?? 0);
      }
      await sql`update ${sql.table(CATALOG)} set row_count = ${rowCount} where id = ${id}`.execute(trx);
      return { name, created_at: createdAt, tables: tables.length, rows: rowCount };
    });
  }

  /** Replaces the store's content with the snapshot's (site administrators kept, see above). */
  async restore(name: string): Promise<SnapshotInfo> {
    await this.#catalog();
    const { dialect } = this.ctx;
    return this.ctx.db.transaction().execute(async (trx) => {
      const found = await sql<{ id: number; created_at: string; tables: string; row_count: number; sequences: string }>`select id, created_at, tables, row_count, sequences from ${sql.table(CATALOG)} where name = ${name}`.execute(
        trx,
      );
      const snapshot = found.rows[0];
      if (snapshot === undefined) throw new SnapshotError(404, `no snapshot named ${name}`);
      const id = Number(snapshot.id);
      const saved = JSON.parse(snapshot.tables) as string[];
      const current = await dataTables(trx, dialect);
      const missing = saved.filter((t) => !current.includes(t));
      if (missing.length > 0) throw new SnapshotError(409, `the snapshot has tables the store no longer has: ${missing.join(', ')}`);

      const preserved = await siteAdmins(trx);
      const order = dialect === 'postgres' ? await dependencyOrder(trx, current) : current;
      const nowColumns = await columnsByTable(trx, dialect, current);
      const thenColumns =
        dialect === 'sqlite'
          ? new Map([...(await columnsByTable(trx, dialect, saved.map((t) => `${PREFIX}${id}__${t}`))).entries()].map(([k, v]) => [k.slice(`${PREFIX}${id}__`.length), v]))
          : await columnsByTable(trx, dialect, saved, `${PREFIX}${id}`);
      if (dialect === 'postgres' && (await isSuperuser(trx))) {
        // The rows are a consistent copy: skip the per-row foreign-key triggers for this transaction (superusers only;
        // otherwise the inserts run in dependency order with the checks).
        await sql`set local session_replication_role = replica`.execute(trx);
      }
      await emptyTables(trx, dialect, order);
      for (const table of order) {
        if (!saved.includes(table)) continue;
        const then = thenColumns.get(table) ?? [];
        const columns = (nowColumns.get(table) ?? []).filter((c) => then.includes(c)).map(ident).join(', ');
        await sql.raw(`insert into ${ident(table)} (${columns}) select ${columns} from ${snapshotTable(dialect, id, table)}`).execute(trx);
      }
      await writeSequences(trx, dialect, JSON.parse(snapshot.sequences) as SavedSequence[]);
      await putBack(trx, dialect, preserved);
      return { name, created_at: snapshot.created_at, tables: saved.length, rows: Number(snapshot.row_count) };
    });
  }

  async delete(name: string): Promise<boolean> {
    await this.#catalog();
    return this.ctx.db.transaction().execute(async (trx) => {
      const found = await sql<{ id: number; tables: string }>`select id, tables from ${sql.table(CATALOG)} where name = ${name}`.execute(trx);
      const row = found.rows[0];
      if (row === undefined) return false;
      await dropSnapshotStorage(trx, this.ctx.dialect, Number(row.id), JSON.parse(row.tables) as string[]);
      await sql`delete from ${sql.table(CATALOG)} where id = ${row.id}`.execute(trx);
      return true;
    });
  }

  /** Empties the store (site administrators and their tokens kept), then optionally creates the demo. */
  async reset(options: { demo: boolean }): Promise<SeedResult | undefined> {
    const { dialect } = this.ctx;
    await this.ctx.db.transaction().execute(async (trx) => {
      const preserved = await siteAdmins(trx);
      const tables = await dataTables(trx, dialect);
      await emptyTables(trx, dialect, dialect === 'postgres' ? await dependencyOrder(trx, tables) : tables);
      await putBack(trx, dialect, preserved);
    });
    if (!options.demo) return undefined;
    return applySeed(this.ctx, demoSeed(this.ctx.clock.now()));
  }
}
