/**
 * Where the runner GET's server time goes, layer by layer, over real HTTP: a plain Fastify route returning a constant
 * runner body; the same body behind Gatehouse's conventions with `auth: false`; behind token authentication; and the
 * real runner GET. The server runs in this process (CPU time sampled around each run), autocannon in a child.
 *
 *   node --import tsx bench/tools/floor.ts [seconds=5]
 */
import { spawn } from 'node:child_process';
import SQLite from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { buildApp } from '../../src/app.ts';
import { seededRunnerStore } from '../lib/seeded-store.ts';
import { hashToken } from '../../src/auth/tokens.ts';
import { findEnterprise } from '../../src/domain/accounts/accounts.ts';
import { toWireRunner, type RunnerWithGroup } from '../../src/domain/runners/read-model.ts';
import type { RunnerLabelRow } from '../../src/storage/tables.ts';

const seconds = Number(process.argv[2] ?? 5);
// SQLite only: the raw-statement layer below opens the file itself.
const { store, config, fx } = await seededRunnerStore({});

const runnerPath = `/enterprises/${fx.enterprise.slug}/actions/runners/${fx.sampleRunnerId}`;
const probe = await buildApp({ config, skipMigrations: true });
const body = (await probe.inject({ method: 'GET', url: runnerPath, headers: fx.headers })).json<unknown>();
await probe.close();
const app = await buildApp({ config, skipMigrations: true });
app.get('/floor/no-auth', { config: { auth: false } }, async () => body);
app.get('/floor/auth', async () => body);
// The same four lookups as the runner GET, as synchronous better-sqlite3 statements on a second connection (no
// Kysely, no awaits): the floor for "four queries per request" whatever the query layer.
const raw = new SQLite(store.storage.kind === 'sqlite' ? store.storage.filename : ':memory:');
const rawToken = raw.prepare('select u.*, t.id as token_id, t.scopes as token_scopes from access_tokens t join users u on u.id = t.user_id where t.token_hash = ?');
const rawEnterprise = raw.prepare('select e.*, m.role as caller_role from enterprises e left join enterprise_members m on m.enterprise_id = e.id and m.user_id = ? where e.slug_lower = ?');
const rawRunner = raw.prepare('select r.*, g.number as group_number from runners r join runner_groups g on g.id = r.runner_group_id where r.enterprise_id = ? and r.id = ?');
const rawLabels = raw.prepare('select * from runner_labels where runner_id = ? order by id');
app.get<{ Params: { e: string; id: string } }>('/floor/raw/:e/:id', { config: { auth: false } }, async (request) => {
  const token = (request.headers.authorization ?? '').slice('Bearer '.length);
  const user = rawToken.get(hashToken(token)) as { id: number } | undefined;
  if (user === undefined) throw new Error('no token');
  const enterprise = rawEnterprise.get(user.id, request.params.e.toLowerCase()) as { id: number } | undefined;
  if (enterprise === undefined) throw new Error('no enterprise');
  const runner = rawRunner.get(enterprise.id, Number(request.params.id)) as RunnerWithGroup;
  return toWireRunner(app.gh, runner, rawLabels.all(runner.id) as RunnerLabelRow[]);
});
// One indexed lookup through Kysely, no authentication: the cost of a query in the request path.
app.get('/floor/one-query', { config: { auth: false } }, async () => {
  await findEnterprise(app.gh.db, fx.enterprise.slug);
  return body;
});
const plain = Fastify({ logger: { level: 'warn' } });
plain.get('/floor/plain', async () => body);
await app.listen({ host: '127.0.0.1', port: 0 });
await plain.listen({ host: '127.0.0.1', port: 0 });
const appPort = (app.server.address() as AddressInfo).port;
const plainPort = (plain.server.address() as AddressInfo).port;

async function measure(name: string, port: number, path: string): Promise<void> {
  // FLOOR_ONLY=<prefix> runs one layer (e.g. under --cpu-prof).
  if (process.env.FLOOR_ONLY !== undefined && !name.startsWith(process.env.FLOOR_ONLY)) return;
  const args = ['-c', '50', '-d', String(seconds), '--json', ...Object.entries(fx.headers).flatMap(([k, v]) => ['-H', `${k}=${v}`])];
  const cpu0 = process.cpuUsage();
  const out = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['node_modules/autocannon/autocannon.js', ...args, `http://127.0.0.1:${port}${path}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('exit', () => resolve(text));
  });
  const cpu = process.cpuUsage(cpu0);
  const r = JSON.parse(out) as { requests: { total: number }; duration: number; non2xx: number };
  console.log(
    `${name.padEnd(44)} ${String(Math.round(r.requests.total / r.duration)).padStart(6)} req/s  ${((cpu.user + cpu.system) / r.requests.total).toFixed(0).padStart(4)} µs CPU/req (${(cpu.system / r.requests.total).toFixed(0)} system)${r.non2xx > 0 ? `  ${r.non2xx} non-2xx` : ''}`,
  );
}

for (let round = 0; round < 2; round += 1) {
  await measure('plain Fastify, constant runner body', plainPort, '/floor/plain');
  await measure('+ Gatehouse conventions (auth: false)', appPort, '/floor/no-auth');
  await measure('+ one enterprise lookup (auth: false)', appPort, '/floor/one-query');
  await measure('+ token authentication', appPort, '/floor/auth');
  await measure('runner GET (+ enterprise, runner, labels)', appPort, runnerPath);
  await measure('same 4 lookups, raw better-sqlite3 (no Kysely)', appPort, `/floor/raw/${fx.enterprise.slug}/${fx.sampleRunnerId}`);
}
await plain.close();
await app.close();
raw.close();
await store.dispose();
