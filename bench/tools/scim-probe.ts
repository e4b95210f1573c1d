/**
 * A/B probe for the SCIM and team-sync hot paths, in the manner of `inject-probe.ts`: Gatehouse in this process on a
 * temp SQLite file (or BENCH_DATABASE_URL's server), `app.inject()` for a fixed number of requests, CPU time per
 * request (minimum over rounds). Profile with `node --cpu-prof --cpu-prof-dir=… --import tsx bench/tools/scim-probe.ts`.
 *
 *   node --import tsx bench/tools/scim-probe.ts [get|filter|add|add-linked|create] [requests=5000] [concurrency=1]
 *
 * Seeds: the small managed tenant of `bench/fixtures/scim.ts` (1,000 users through the SCIM service, a group of all of
 * them), plus batch-seeded spare users for the member adds; `add-linked` adds to that group after linking it to three
 * teams in three organizations.
 */
import { buildApp } from '../../src/app.ts';
import { testConfig } from '../../src/config/config.ts';
import { createOrganization } from '../../src/domain/accounts/accounts.ts';
import { systemClock, type DomainContext } from '../../src/domain/context.ts';
import { linkExternalGroup } from '../../src/domain/external-groups/service.ts';
import { createTeam } from '../../src/domain/teams/service.ts';
import { openStorage } from '../../src/storage/db.ts';
import { migrateToLatest } from '../../src/storage/migrations/index.ts';
import { insertUserBatch, smallTenant, userBody, userName } from '../fixtures/scim.ts';
import { loadBenchConfig } from '../lib/config.ts';
import { cpuPerRequestRounds } from '../lib/cpu-rounds.ts';
import { postgresStore, sqliteStore } from '../lib/stores.ts';
import type { BenchContext } from '../lib/types.ts';

const which = process.argv[2] ?? 'get';
const total = Number(process.argv[3] ?? 5_000);
const concurrency = Number(process.argv[4] ?? 1);
const rounds = Number(process.env.PROBE_ROUNDS ?? 5);

const databaseUrl = process.env.BENCH_DATABASE_URL;
const store = databaseUrl !== undefined && databaseUrl !== '' ? await postgresStore(databaseUrl) : await sqliteStore();
const config = testConfig({ storage: store.storage, logLevel: 'warn' });
const storage = openStorage(store.storage);
await migrateToLatest(storage);
const domain: DomainContext = { db: storage.db, dialect: storage.dialect, config, clock: systemClock };
const memo = new Map<string, Promise<unknown>>();
const ctx = {
  bench: loadBenchConfig({}, process.cwd()),
  store: { kind: store.kind, label: store.label },
  domain,
  log: (m: string) => console.error(m),
  fixture: <T>(key: string, make: () => Promise<T>) => {
    if (!memo.has(key)) memo.set(key, make());
    return memo.get(key) as Promise<T>;
  },
} as unknown as BenchContext;
const fx = await smallTenant(ctx);
const needed = which.startsWith('add') ? total + 2_000 : 0;
const spares = needed === 0 ? [] : await insertUserBatch(ctx, fx, Array.from({ length: needed }, (_, i) => userBody(userName('p', i))));
if (which === 'add-linked') {
  for (const suffix of ['a', 'b', 'c']) {
    const org = await createOrganization(domain, { login: `probe-${suffix}`, enterpriseSlug: fx.enterprise.slug }, null);
    const team = await createTeam(domain, org.login, { name: 'synced' }, null);
    await linkExternalGroup(domain, org.login, team.slug, fx.group.rowId, fx.actor, { limit: 30, offset: 0 });
  }
}
await storage.close();

const app = await buildApp({ config, skipMigrations: true });
await app.ready();
let n = 0;
function request(): { method: 'GET' | 'POST' | 'PATCH'; url: string; payload?: string; expect: number } {
  n += 1;
  const i = n % fx.scimIds.length;
  switch (which) {
    case 'get':
      return { method: 'GET', url: `${fx.base}/Users/${fx.scimIds[i] ?? ''}`, expect: 200 };
    case 'filter':
      return { method: 'GET', url: `${fx.base}/Users?filter=${encodeURIComponent(`userName eq "${fx.userNames[i] ?? ''}"`)}`, expect: 200 };
    case 'create':
      return { method: 'POST', url: `${fx.base}/Users`, payload: JSON.stringify(userBody(userName('n', n))), expect: 201 };
    default: {
      const value = spares[n];
      if (value === undefined) throw new Error('out of spare users');
      const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value }] }] };
      return { method: 'PATCH', url: `${fx.base}/Groups/${fx.group.scimId}`, payload: JSON.stringify(body), expect: 204 };
    }
  }
}

async function burst(count: number): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      const r = request();
      const res = await app.inject({ method: r.method, url: r.url, headers: fx.scimHeaders, ...(r.payload === undefined ? {} : { payload: r.payload }) });
      if (res.statusCode !== r.expect) throw new Error(`${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

await burst(Math.min(1_000, Math.ceil(total / 5)));
await cpuPerRequestRounds(which, burst, { total, rounds, concurrency, storeKind: store.kind });
await app.close();
await store.dispose();
