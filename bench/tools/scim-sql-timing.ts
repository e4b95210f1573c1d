/**
 * Which statements a SCIM write spends its time in: seeds the smoke-size big tenant (`bench/fixtures/scim.ts`) and its
 * three linked teams (`bench/fixtures/external-groups.ts`) into a SQLite file (or a new database on
 * BENCH_DATABASE_URL's PostgreSQL server), then runs member adds through the
 * domain service (`patchGroup`, as the route does) on a Kysely that logs every query, and prints the statements by
 * total time.
 *
 *   node --import tsx bench/tools/scim-sql-timing.ts [linked|plain|get|page|link] [requests=300]
 */
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { testConfig } from '../../src/config/config.ts';
import { systemClock, type DomainContext } from '../../src/domain/context.ts';
import { linkExternalGroup, unlinkExternalGroup } from '../../src/domain/external-groups/service.ts';
import * as groups from '../../src/domain/scim/groups.ts';
import * as users from '../../src/domain/scim/users.ts';
import { managedDialect } from '../../src/scim/dialects/managed.ts';
import { openStorage } from '../../src/storage/db.ts';
import { migrateToLatest } from '../../src/storage/migrations/index.ts';
import type { Database } from '../../src/storage/tables.ts';
import { syncedTeams } from '../fixtures/external-groups.ts';
import { loadBenchConfig } from '../lib/config.ts';
import { postgresStore, sqliteStore } from '../lib/stores.ts';
import type { BenchContext } from '../lib/types.ts';

const which = process.argv[2] ?? 'linked';
const total = Number(process.argv[3] ?? 300);
const databaseUrl = process.env.BENCH_DATABASE_URL;
const store = databaseUrl !== undefined && databaseUrl !== '' ? await postgresStore(databaseUrl) : await sqliteStore();
const storage = openStorage(store.storage);
await migrateToLatest(storage);
const memo = new Map<string, Promise<unknown>>();
const ctx = {
  bench: loadBenchConfig({ BENCH_DURATION: '2' }, process.cwd()),
  store: { kind: store.kind, label: store.label },
  domain: { db: storage.db, dialect: storage.dialect, config: testConfig({ storage: store.storage }), clock: systemClock },
  log: (m: string) => console.error(m),
  fixture: <T>(key: string, make: () => Promise<T>) => {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as Promise<T>;
  },
} as unknown as BenchContext;
const fx = await syncedTeams(ctx);
await storage.close();

const stats = new Map<string, { n: number; ms: number; all: number[] }>();
const walls: number[] = [];
let record = false;
function dialectOf() {
  if (store.storage.kind === 'postgres') return new PostgresDialect({ pool: new pg.Pool({ connectionString: store.storage.url, max: 4 }) });
  const database = new SQLite(store.storage.filename);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  if (process.env.NO_CKPT === '1') database.pragma('wal_autocheckpoint = 0');
  return new SqliteDialect({ database });
}
const db = new Kysely<Database>({
  dialect: dialectOf(),
  log(event: LogEvent) {
    if (!record) return;
    const key = event.query.sql.replace(/\s+/g, ' ').replace(/(\?, )+\?/g, '?…').slice(0, 200);
    const s = stats.get(key) ?? { n: 0, ms: 0, all: [] };
    s.n += 1;
    s.ms += event.queryDurationMillis;
    s.all.push(event.queryDurationMillis);
    stats.set(key, s);
  },
});
const domain: DomainContext = { db, dialect: store.kind, config: testConfig({ storage: store.storage }), clock: systemClock };
const warm = which === 'link' ? 1 : 50;
const spares = which === 'page' || which === 'get' || which === 'link' ? Array.from({ length: total + warm }, () => '') : fx.takeSpares('timing', Math.min(total + warm, fx.spare));
const group = which === 'plain' ? fx.groups.g1k : fx.groups.g10kSync;
const options = { strict: false, actor: fx.actor, withRelations: false };
let wall = 0;
for (let i = 0; i < Math.min(total + warm, spares.length); i += 1) {
  record = i >= warm;
  const t0 = process.hrtime.bigint();
  if (which === 'get') await users.getUser(domain, fx.tenant, fx.scimIds[20_000 + i] ?? '', true);
  else if (which === 'link') {
    await linkExternalGroup(domain, fx.teams[0]?.org.login ?? '', fx.teams[0]?.team.slug ?? '', fx.groups.g10k.rowId, fx.actor, { limit: 30, offset: 0 });
    await unlinkExternalGroup(domain, fx.teams[0]?.org.login ?? '', fx.teams[0]?.team.slug ?? '', fx.actor);
    await linkExternalGroup(domain, fx.teams[0]?.org.login ?? '', fx.teams[0]?.team.slug ?? '', fx.groups.g10kSync.rowId, fx.actor, { limit: 30, offset: 0 });
  } else if (which === 'page') await users.listUsers(domain, managedDialect.rules, fx.tenant, { filter: undefined, startIndex: Math.round(fx.core * 0.9), count: 30, withRelations: true });
  else {
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: spares[i] }] }] };
    await groups.patchGroup(domain, managedDialect.rules, fx.tenant, group.scimId, body, options);
  }
  if (record) {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    wall += ms;
    walls.push(ms);
  }
}
const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
const n = Math.min(total, spares.length - warm);
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1] ?? 0;
console.log(`${which}: ${n} requests, ${(wall / n).toFixed(2)} ms each (wall, p99 ${p99(walls).toFixed(2)}), SQL ${(rows.reduce((s, [, v]) => s + v.ms, 0) / n).toFixed(2)} ms each`);
for (const [sqlText, s] of rows.slice(0, 25)) console.log(`${(s.ms / n).toFixed(3).padStart(7)} ms/req  x${(s.n / n).toFixed(1)}  p99 ${p99(s.all).toFixed(2)} max ${Math.max(...s.all).toFixed(2)}  ${sqlText}`);
await db.destroy();
await store.dispose();
