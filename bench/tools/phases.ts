/**
 * Per-phase cost of the runner GET: each step the request makes, timed alone in a loop on a seeded temp SQLite file
 * (or BENCH_DATABASE_URL's server), so the profile's shares can be read as microseconds per request.
 *
 *   node --import tsx bench/tools/phases.ts [iterations=20000]
 */
import { buildApp } from '../../src/app.ts';
import { seededRunnerStore } from '../lib/seeded-store.ts';
import { authenticateToken, enterpriseRoleOf, findEnterprise } from '../../src/domain/accounts/accounts.ts';
import { findRunner, labelsByRunner, toWireRunner } from '../../src/domain/runners/read-model.ts';

const iterations = Number(process.argv[2] ?? 20_000);
const { store, config, fx } = await seededRunnerStore();

const app = await buildApp({ config, skipMigrations: true });
await app.ready();
const ctx = app.gh;
const enterprise = (await findEnterprise(ctx.db, fx.enterprise.slug))!;
const runner = (await findRunner(ctx.db, enterprise.id, fx.sampleRunnerId))!;
const labels = (await labelsByRunner(ctx.db, [runner.id])).get(runner.id)!;
const wire = toWireRunner(ctx, runner, labels);
const url = `/enterprises/${fx.enterprise.slug}/actions/runners/${fx.sampleRunnerId}`;

const phases: Array<[string, () => unknown]> = [
  ['authenticateToken (hash + token⋈user)', () => authenticateToken(ctx, fx.token)],
  ['findEnterprise (by slug)', () => findEnterprise(ctx.db, fx.enterprise.slug)],
  ['enterpriseRoleOf', () => enterpriseRoleOf(ctx.db, enterprise.id, fx.owner.id)],
  ['findRunner (runner⋈group)', () => findRunner(ctx.db, enterprise.id, fx.sampleRunnerId)],
  ['labelsByRunner', () => labelsByRunner(ctx.db, [runner.id])],
  ['toWireRunner', () => toWireRunner(ctx, runner, labels)],
  ['JSON.stringify(runner)', () => JSON.stringify(wire)],
  ['crypto.randomUUID().toUpperCase()', () => crypto.randomUUID().toUpperCase()],
  ['whole request via app.inject', () => app.inject({ method: 'GET', url, headers: fx.headers })],
];

console.log(`${iterations} sequential calls each, ${store.kind}; CPU µs per call (min of 3 runs)`);
const only = process.env.PHASE;
for (const [name, fn] of phases) {
  if (only !== undefined && !name.startsWith(only)) continue;
  const runs: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const n = name.startsWith('whole') ? Math.ceil(iterations / 4) : iterations;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i += 1) await fn();
    const cpu = process.cpuUsage(cpu0);
    runs.push((cpu.user + cpu.system) / n);
  }
  console.log(`  ${Math.min(...runs).toFixed(1).padStart(7)}  ${name}`);
}
await app.close();
await store.dispose();
