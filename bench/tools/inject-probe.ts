/**
 * A quick A/B probe for hot-path work: Gatehouse in this process on a temp SQLite file (or BENCH_DATABASE_URL's
 * server), seeded with the runner fixtures, then `app.inject()` for a fixed number of requests at a fixed concurrency,
 * reporting CPU time per request. No sockets and no load generator, so it is far less sensitive to other work on the
 * machine than `npm run bench`; use it to compare a change, and the bench to report.
 *
 *   node --import tsx bench/tools/inject-probe.ts [get|list|get-alt|list-alt] [requests=20000] [concurrency=50]
 *
 * `get-alt` and `list-alt` load the variants in bench/fixtures/runner-reads-alt.ts instead of the real routes.
 */
import { buildApp } from '../../src/app.ts';
import { seededRunnerStore } from '../lib/seeded-store.ts';
import { registerAltRunnerReads } from '../fixtures/runner-reads-alt.ts';
import { cpuPerRequestRounds } from '../lib/cpu-rounds.ts';

const which = process.argv[2] ?? 'get';
const total = Number(process.argv[3] ?? 20_000);
const concurrency = Number(process.argv[4] ?? 50);

const { store, config, fx } = await seededRunnerStore();

const app = await buildApp({ config, skipMigrations: true });
const alt = which.endsWith('-alt');
if (alt) registerAltRunnerReads(app);
await app.ready();
const url =
  (alt ? '/_alt' : '') +
  (which.startsWith('list')
    ? `/enterprises/${fx.enterprise.slug}/actions/runners?per_page=100&page=50`
    : `/enterprises/${fx.enterprise.slug}/actions/runners/${fx.sampleRunnerId}`);

async function burst(n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next += 1;
      const res = await app.inject({ method: 'GET', url, headers: fx.headers });
      if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

await burst(Math.min(5_000, total));
// Several rounds; the minimum CPU per request is the figure least inflated by whatever else the machine runs.
const rounds = Number(process.env.PROBE_ROUNDS ?? 5);
await cpuPerRequestRounds(which, burst, { total, rounds, concurrency, storeKind: store.kind });
await app.close();
await store.dispose();
