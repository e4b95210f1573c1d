/**
 * A/B of the runner GET across source trees, interleaved so that the machine's drift (a shared VM's neighbours, CPU
 * frequency) hits every variant alike: the bare node:http ceiling, plain Fastify answering the same bytes (the
 * framework's floor) and one Gatehouse child per tree are all started
 * on the same seeded SQLite file, then loaded in turn, round after round, each for a few seconds; the medians of the
 * server's CPU µs per request and of req/s over the ceiling's in the same round are printed per variant.
 *
 *   node --import tsx bench/tools/ab.ts [rounds=6] [seconds=4] [tree ...]
 *
 * Each tree is a checkout of this repository with its node_modules (e.g. `git worktree add /tmp/base HEAD~1` and
 * `ln -s "$PWD/node_modules" /tmp/base/`); with none given, this tree alone is measured against the ceiling.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/config.ts';
import { seededRunnerStore } from '../lib/seeded-store.ts';
import { freePort, pinProcess, startChild } from '../lib/children.ts';
import { loadBenchConfig } from '../lib/config.ts';
import { measure } from '../lib/load.ts';
import type { ServerHandle } from '../lib/types.ts';
import type { CeilingPayload } from '../servers/ceiling.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const rounds = Number(process.argv[2] ?? 6);
const seconds = Number(process.argv[3] ?? 4);
const trees = process.argv.slice(4).map((t) => path.resolve(t));
if (trees.length === 0) trees.push(ROOT);

const bench = { ...loadBenchConfig(process.env, ROOT), duration: seconds, warmup: 1 };
if (bench.pin) pinProcess(process.pid, 0);
const { store, config, fx } = await seededRunnerStore({});
const runnerPath = `/enterprises/${fx.enterprise.slug}/actions/runners/${fx.sampleRunnerId}`;

// Each child gets its own copy of the store: two processes on one SQLite file share its WAL index and locks, which
// costs a loaded server measurably even while the other one idles.
const filename = store.storage.kind === 'sqlite' ? store.storage.filename : '';
const listeningOn = async (port: number, copy: number): Promise<Config> => {
  const own = `${filename}.${copy}`;
  await fs.copyFile(filename, own);
  return { ...config, storage: { kind: 'sqlite', filename: own }, host: '127.0.0.1', port, publicUrl: `http://127.0.0.1:${port}` };
};
const servers: Array<{ name: string; handle: ServerHandle }> = [];
for (const [i, tree] of trees.entries()) {
  const handle = await startChild({
    module: path.join(tree, 'bench', 'servers', 'gatehouse.ts'),
    payload: { config: await listeningOn(await freePort(), i) },
    core: bench.pin ? 1 : undefined,
    label: `tree ${i}`,
  });
  servers.push({ name: `${String.fromCharCode(65 + i)} ${path.relative(process.cwd(), tree) || '.'}`, handle });
}
// The ceiling answers with what the first tree's Gatehouse answers.
const captured = await fetch(`${servers[0]!.handle.url}${runnerPath}`, { headers: fx.headers });
const body = Buffer.from(await captured.arrayBuffer());
const ceilingPayload: CeilingPayload = {
  status: 200,
  headers: [...captured.headers].filter(([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)),
  body: body.toString('base64'),
};
const ceiling = await startChild({ module: 'ceiling.ts', payload: ceilingPayload, core: bench.pin ? 1 : undefined, label: 'ceiling' });
// Plain Fastify answering the same bytes: the floor of a Fastify-based server (AB_FLOOR=0 leaves it out).
const floor =
  process.env.AB_FLOOR === '0'
    ? []
    : [{ name: 'plain Fastify, same bytes', handle: await startChild({ module: 'fastify-floor.ts', payload: { ...ceilingPayload, path: runnerPath }, core: bench.pin ? 1 : undefined, label: 'floor' }) }];
const all = [{ name: 'ceiling', handle: ceiling }, ...floor, ...servers];

const cpu = new Map<string, number[]>(all.map((s) => [s.name, []]));
const ratio = new Map<string, number[]>(all.map((s) => [s.name, []]));
for (let round = 0; round < rounds; round += 1) {
  // Rotate the order each round so no variant always runs right after the same neighbour.
  const order = all.map((_, k) => all[(k + round) % all.length]!);
  const rps = new Map<string, number>();
  for (const s of order) {
    const m = await measure({ server: s.handle, path: runnerPath, headers: fx.headers, expectStatus: 200 }, bench);
    if (m.failures > 0) throw new Error(`${s.name}: ${m.failures} unexpected responses`);
    cpu.get(s.name)!.push(m.serverCpuUsPerRequest);
    rps.set(s.name, m.rps);
  }
  for (const s of all) ratio.get(s.name)!.push(rps.get(s.name)! / rps.get('ceiling')!);
  process.stderr.write(`round ${round + 1}/${rounds}: ${all.map((s) => `${s.name} ${Math.round(rps.get(s.name)!)} req/s`).join(', ')}\n`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const s of all) {
  const c = cpu.get(s.name)!;
  const r = ratio.get(s.name)!;
  console.log(
    `${s.name.padEnd(28)} CPU µs/req median ${median(c).toFixed(1).padStart(5)} (min ${Math.min(...c).toFixed(1)}, max ${Math.max(...c).toFixed(1)})   of ceiling median ${(median(r) * 100).toFixed(0)}% (min ${(Math.min(...r) * 100).toFixed(0)}%, max ${(Math.max(...r) * 100).toFixed(0)}%)`,
  );
}
await Promise.all(all.map((s) => s.handle.stop()));
await store.dispose();
