/**
 * For the tools in `bench/tools/`: a fresh store (a temp SQLite file, or a new database on BENCH_DATABASE_URL's
 * PostgreSQL server) migrated and seeded with the runner fixtures, its seeding connection closed again, and the
 * configuration a Gatehouse on it gets. `npm run bench` itself seeds through its own context (bench/run.ts).
 */
import { testConfig, type Config } from '../../src/config/config.ts';
import { systemClock, type DomainContext } from '../../src/domain/context.ts';
import { openStorage } from '../../src/storage/db.ts';
import { migrateToLatest } from '../../src/storage/migrations/index.ts';
import { runnersFixture, type RunnersFixture } from '../fixtures/runners.ts';
import { postgresStore, sqliteStore, type BenchStore } from './stores.ts';
import type { BenchContext } from './types.ts';

export interface SeededStore {
  store: BenchStore;
  config: Config;
  fx: RunnersFixture;
}

export async function seededRunnerStore(env: NodeJS.ProcessEnv = process.env): Promise<SeededStore> {
  const databaseUrl = env.BENCH_DATABASE_URL;
  const store = databaseUrl !== undefined && databaseUrl !== '' ? await postgresStore(databaseUrl) : await sqliteStore();
  const config = testConfig({ storage: store.storage, logLevel: 'warn' });
  const storage = openStorage(store.storage);
  try {
    await migrateToLatest(storage);
    const domain: DomainContext = { db: storage.db, dialect: storage.dialect, config, clock: systemClock };
    const memo = new Map<string, Promise<unknown>>();
    const fx = await runnersFixture({
      domain,
      fixture: <T>(key: string, make: () => Promise<T>) => {
        if (!memo.has(key)) memo.set(key, make());
        return memo.get(key) as Promise<T>;
      },
    } as unknown as BenchContext);
    return { store, config, fx };
  } finally {
    await storage.close();
  }
}
