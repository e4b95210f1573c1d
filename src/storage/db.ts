/**
 * Storage factory: one Kysely instance over SQLite (better-sqlite3, embedded default) or PostgreSQL (pg, scale-out).
 * Every difference between the two lives here as capability flags and tiny helpers; repositories never branch on the dialect.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type ColumnDefinitionBuilder,
  type DatabaseConnection,
  type Driver,
  type LogEvent,
  type QueryCompiler,
  type SqliteDatabase,
  type TransactionSettings,
} from 'kysely';
import type Pg from 'pg';
import type { StorageConfig } from '../config/config.ts';
import { ReadCache, attachReadCache } from './read-cache.ts';
import type { Database } from './tables.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Storage {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  close(): Promise<void>;
}

let pgModule: typeof Pg | undefined;

/** The PostgreSQL driver, loaded on first use: a server on SQLite starts without it (some 45 ms of module loading). */
function loadPg(): typeof Pg {
  if (pgModule !== undefined) return pgModule;
  const pg = createRequire(import.meta.url)('pg') as typeof Pg;
  // int8 (COUNT(*), SUM over integers, epoch-ms columns) arrives from pg as a string; every value we keep fits a double.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  // NUMERIC (SUM over doubles on some paths) likewise.
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
  pgModule = pg;
  return pg;
}

export interface StorageOptions {
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** SQLite only: keep the hot lookups in a read cache invalidated by SQLite's change counters (read-cache.ts). Default on. */
  readCache?: boolean;
}

/** Per store: who wants each statement's duration (`/_gatehouse/metrics`); set with `observeQueryTimes`. */
const queryObservers = new WeakMap<Kysely<Database>, (seconds: number) => void>();

/**
 * Calls `observer` with the duration (seconds) of every statement `db` runs from now on, transactions included; one
 * observer per store (a later call replaces it). Only stores opened by `openStorage` report.
 */
export function observeQueryTimes(db: Kysely<Database>, observer: (seconds: number) => void): void {
  queryObservers.set(db, observer);
}

/** Kysely's `log` hook (https://kysely.dev/docs/recipes/logging), forwarding durations to the store's observer. */
function queryLog(self: () => Kysely<Database>): (event: LogEvent) => void {
  return (event) => queryObservers.get(self())?.(event.queryDurationMillis / 1000);
}

/** Opens the store named by the configuration. The SQLite file's directory is created if needed. */
export function openStorage(config: StorageConfig, options: StorageOptions = {}): Storage {
  if (config.kind === 'postgres') {
    const pool = new (loadPg().Pool)({ connectionString: config.url, max: options.poolSize ?? 10 });
    // An idle pooled connection that the server ends (restart, failover, pg_terminate_backend) emits 'error' on the
    // pool; unhandled, that would crash the process. The pool discards the client and opens a new one on next use.
    pool.on('error', (error) => {
      process.emitWarning(`PostgreSQL idle connection lost: ${error.message}`);
    });
    const db: Kysely<Database> = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(() => db) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  if (config.filename !== ':memory:') fs.mkdirSync(path.dirname(config.filename), { recursive: true });
  const database = new SQLite(config.filename);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const stamp = sqliteChangeStamp(database);
  const db: Kysely<Database> = new Kysely<Database>({
    dialect: new QueuedSqliteDialect({ database: withStatementCache(database) }, stamp.afterUse),
    log: queryLog(() => db),
  });
  if (options.readCache !== false) attachReadCache(db, new ReadCache(stamp.read));
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/**
 * SQLite has one connection, which Kysely's driver guards with a mutex whose waiters all wake on every release and
 * race for it again: under concurrent requests each query costs a wake-up of every query queued behind it (the bench
 * measured about half the CPU of an authenticated GET in that churn). This dialect puts a first-come-first-served
 * queue in front of Kysely's driver: the connection passes straight to the next waiter, so Kysely's own mutex is
 * never contended. Same serialisation, same transactions, fairer order.
 */
class QueuedSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly afterUse: () => void,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new QueuedDriver(super.createDriver(), this.afterUse);
  }
}

class QueuedDriver implements Driver {
  #held = false;
  readonly #waiting: Array<() => void> = [];

  /** @param afterUse - called each time the connection is handed back (after a query, or a whole transaction) */
  constructor(
    private readonly inner: Driver,
    private readonly afterUse: () => void,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#held) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#held = true;
    return this.inner.acquireConnection();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.afterUse();
    await this.inner.releaseConnection(connection);
    const next = this.#waiting.shift();
    // Ownership passes to the next waiter directly; the queue stays held.
    if (next === undefined) this.#held = false;
    else next();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint?.(connection, name, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, name, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, name, compileQuery);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/**
 * The read cache's change stamp (read-cache.ts), without a native call per lookup:
 * - `total_changes()` (every row this connection inserted, updated or deleted) is read each time the connection is
 *   handed back, i.e. after every query and every transaction: whatever ran, Kysely or raw SQL, a write moves it
 *   before anyone can look at the cache again, and a lookup that hits the cache costs a comparison;
 * - `PRAGMA data_version` (commits by other connections: another process) is read once per event-loop turn, since it
 *   costs several microseconds (it reads the WAL index). That is still exact for every client: a request reaches the
 *   server in a turn that begins after its bytes arrived, so after any commit that preceded it, and the version is
 *   read afresh in that turn.
 */
function sqliteChangeStamp(database: SQLite.Database): { read: () => readonly [number, number]; afterUse: () => void } {
  const totalChanges = database.prepare('select total_changes()').pluck();
  const dataVersion = database.prepare('pragma data_version').pluck();
  let changes = totalChanges.get() as number;
  let version: number | undefined;
  let stamp: readonly [number, number] = [Number.NaN, Number.NaN];
  const forget = (): void => {
    version = undefined;
  };
  return {
    afterUse: () => {
      try {
        changes = totalChanges.get() as number;
      } catch {
        // Unreadable (the connection is closing): NaN equals nothing, so nothing is served from or kept in the cache.
        changes = Number.NaN;
      }
    },
    read: () => {
      if (version === undefined) {
        version = dataVersion.get() as number;
        setImmediate(forget);
      }
      // The same pair while nothing moves: this runs on every cached read, several times a request.
      if (stamp[0] !== changes || stamp[1] !== version) stamp = [changes, version];
      return stamp;
    },
  };
}

/** Distinct SQL texts kept prepared; the app issues a few hundred, `in (?, ?, …)` lists of varying length add more. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver calls `prepare` for every query, and preparing (SQLite parsing and planning the text) was
 * the largest single cost of a simple authenticated GET (bench/README.md). Statements are reusable, so keep one per
 * SQL text (least recently used dropped first). A statement still being iterated by a Kysely `stream()` is `busy`;
 * a query with the same text meanwhile gets a fresh one.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      const cached = cache.get(text);
      if (cached !== undefined) {
        if (cached.busy) return database.prepare(text);
        cache.delete(text);
        cache.set(text, cached);
        return cached;
      }
      const statement = database.prepare(text);
      cache.set(text, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

/** Column type for an auto-generated integer primary key. */
export function idColumnType(dialect: DialectName): 'integer' | 'serial' {
  return dialect === 'postgres' ? 'serial' : 'integer';
}

/** Applies primary-key-ness to an id column, autoincrementing on SQLite so deleted ids are never reused (as on GitHub). */
export function idColumn(dialect: DialectName) {
  return (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement();
}

/** Column type for floating-point quantities. */
export function doubleColumnType(dialect: DialectName): 'double precision' | 'real' {
  return dialect === 'postgres' ? 'double precision' : 'real';
}

/** True when the error is a unique-constraint violation, from either driver. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Case-insensitive substring match on a column (`LIKE` is case-insensitive for ASCII on SQLite, `ILIKE` on PostgreSQL). */
export function likeOperator(dialect: DialectName): 'like' | 'ilike' {
  return dialect === 'postgres' ? 'ilike' : 'like';
}

/** Escapes `%`, `_` and `\` for use inside a LIKE pattern with `ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export { sql };
