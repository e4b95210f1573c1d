import SQLite from 'better-sqlite3';
import { testConfig } from '../../src/config/config.ts';
import { systemClock } from '../../src/domain/context.ts';
import { openStorage } from '../../src/storage/db.ts';
import { migrateToLatest } from '../../src/storage/migrations/index.ts';
import { runnersFixture } from '../fixtures/runners.ts';
import { sqliteStore } from '../lib/stores.ts';
const store = await sqliteStore();
const storage = openStorage(store.storage);
await migrateToLatest(storage);
const domain = { db: storage.db, dialect: storage.dialect, config: testConfig({ storage: store.storage }), clock: systemClock };
const memo = new Map();
const fx = await runnersFixture({ domain, fixture: (k: string, m: () => Promise<unknown>) => { if (!memo.has(k)) memo.set(k, m()); return memo.get(k); } } as any);
const keepOpen = process.argv[2] === 'open';
if (!keepOpen) await storage.close();
const raw = new SQLite((store.storage as any).filename);
raw.pragma('journal_mode = WAL');
const tests: Array<[string, unknown[]]> = [
  ['select * from enterprises where slug_lower = ?', ['bench']],
  ['select id from enterprises where slug_lower = ?', ['bench']],
  ['select * from enterprises where id = ?', [1]],
  ['select 1', []],
  ['select * from users where id = ?', [1]],
  ['select * from runners where id = ?', [fx.sampleRunnerId]],
  ['select * from runner_labels where runner_id = ?', [fx.sampleRunnerId]],
  ['select * from runner_labels where runner_id in (?) order by id', [fx.sampleRunnerId]],
];
for (const [sql, p] of tests) {
  const st = raw.prepare(sql);
  for (let i = 0; i < 5000; i++) st.all(p);
  const c0 = process.cpuUsage();
  const N = 50000;
  for (let i = 0; i < N; i++) st.all(p);
  const c = process.cpuUsage(c0);
  console.log(((c.user + c.system) / N).toFixed(2).padStart(7), 'µs cpu (sys', (c.system / N).toFixed(2), ')', sql);
}
console.log(raw.pragma('wal_checkpoint(PASSIVE)'));
raw.close();
if (keepOpen) await storage.close();
await store.dispose();
