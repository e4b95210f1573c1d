/**
 * Migrations bundled in code (so `gatehouse migrate` works from any install), applied in order through Kysely's Migrator.
 * To add one: write `NNNN-name.ts` exporting `up(db, dialect)` and append it to `MIGRATIONS`.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from '../tables.ts';
import type { DialectName, Storage } from '../db.ts';
import * as foundation from './0001-foundation.ts';
import * as teams from './0004-teams.ts';
import * as scim from './0005-scim.ts';
import * as externalGroups from './0006-external-groups.ts';
import * as scimValues from './0007-scim-values.ts';
import * as scimOrgGrants from './0008-scim-org-grants.ts';
import * as usageSeedKeys from './0009-usage-seed-keys.ts';
import * as rateLimitCounters from './0010-rate-limit-counters.ts';

type MigrationModule = { up(db: Kysely<unknown>, dialect: DialectName): Promise<void> };

const MIGRATIONS: ReadonlyArray<readonly [string, MigrationModule]> = [
  ['0001-foundation', foundation],
  ['0004-teams', teams],
  ['0005-scim', scim],
  ['0006-external-groups', externalGroups],
  ['0007-scim-values', scimValues],
  ['0008-scim-org-grants', scimOrgGrants],
  ['0009-usage-seed-keys', usageSeedKeys],
  ['0010-rate-limit-counters', rateLimitCounters],
];

class BundledMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, mod] of MIGRATIONS) out[name] = { up: (db) => mod.up(db, this.dialect) };
    return Promise.resolve(out);
  }
}

/** Brings the schema up to date; returns the names of the migrations applied now. */
export async function migrateToLatest(storage: Storage): Promise<string[]> {
  const migrator = new Migrator({
    db: storage.db,
    provider: new BundledMigrationProvider(storage.dialect),
    migrationTableName: 'gatehouse_migrations',
    migrationLockTableName: 'gatehouse_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- Kysely types a failure as unknown; a non-Error is rare and String() is the best rendering.
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The bundled migrations the store has not applied (empty when the schema is current). Rejects when the store does
 * not answer. One indexed read of the migrations table: cheap enough for a readiness probe.
 */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  // The migrator's own table, outside the schema the app's queries are typed against.
  const rows = await sql<{ name: string }>`select name from gatehouse_migrations`.execute(db).then((r) => r.rows);
  const applied = new Set(rows.map((r) => r.name));
  return MIGRATIONS.map(([name]) => name).filter((name) => !applied.has(name));
}
