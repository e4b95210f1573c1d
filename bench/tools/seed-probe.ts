/**
 * Times the SCIM seeds outside the bench (no servers): `node --import tsx bench/tools/seed-probe.ts [postgres-url]`.
 */
import { testConfig } from '../../src/config/config.ts';
import { systemClock } from '../../src/domain/context.ts';
import { openStorage } from '../../src/storage/db.ts';
import { migrateToLatest } from '../../src/storage/migrations/index.ts';
import { bigTenant, smallTenant } from '../fixtures/scim.ts';
import { loadBenchConfig } from '../lib/config.ts';
import { postgresStore, sqliteStore } from '../lib/stores.ts';
import type { BenchContext } from '../lib/types.ts';

const url = process.argv[2];
const store = url === undefined ? await sqliteStore() : await postgresStore(url);
const storage = openStorage(store.storage, { poolSize: 4 });
await migrateToLatest(storage);
const memo = new Map<string, Promise<unknown>>();
const ctx = {
  bench: loadBenchConfig(process.env, process.cwd()),
  store: { kind: store.kind, label: store.label },
  domain: { db: storage.db, dialect: storage.dialect, config: testConfig({ storage: store.storage }), clock: systemClock },
  fixture: <T>(key: string, make: () => Promise<T>): Promise<T> => {
    if (!memo.has(key)) {
      const t0 = Date.now();
      memo.set(key, make().then((v) => (console.error(`${key}: ${((Date.now() - t0) / 1000).toFixed(1)} s`), v)));
    }
    return memo.get(key) as Promise<T>;
  },
  log: (m: string) => console.error(m),
} as unknown as BenchContext;
try {
  await smallTenant(ctx);
  await bigTenant(ctx);
} finally {
  await storage.close();
  await store.dispose();
}
