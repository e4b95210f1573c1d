/**
 * `npm run bench`: runs every registered scenario (`bench/scenarios/*.ts`) on a fresh SQLite file and, when
 * BENCH_DATABASE_URL is set, on a fresh PostgreSQL database; prints one table on stdout and writes the same rows to
 * `.bench/results.json`. Progress goes to stderr. See bench/README.md for the knobs and how to add a scenario.
 *
 * Topology: autocannon (the load generator) runs here, in the parent; each server under test runs in its own child
 * process. The reference machine has 2 cores, so with pinning (default) the parent owns core 0 and the server child
 * core 1; PostgreSQL, when used, floats on both and competes with them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { testConfig, type Config } from '../src/config/config.ts';
import { systemClock, type DomainContext } from '../src/domain/context.ts';
import { openStorage, type Storage } from '../src/storage/db.ts';
import { migrateToLatest } from '../src/storage/migrations/index.ts';
import { freePort, pinProcess, startChild } from './lib/children.ts';
import { loadBenchConfig, type BenchConfig } from './lib/config.ts';
import { measure } from './lib/load.ts';
import { renderTable, writeJson, type ReportMeta } from './lib/report.ts';
import { postgresStore, sqliteStore, type BenchStore } from './lib/stores.ts';
import type { BenchContext, Scenario, ScenarioResult, ServerHandle } from './lib/types.ts';
import type { GatehousePayload } from './servers/gatehouse.ts';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH_DIR, '..');
const LOAD_CORE = 0;
const SERVER_CORE = 1;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Every `bench/scenarios/*.ts`, in file-name order, each exporting `scenarios: Scenario[]`. */
async function discoverScenarios(): Promise<Scenario[]> {
  const dir = path.join(BENCH_DIR, 'scenarios');
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  const all: Scenario[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { scenarios?: Scenario[] };
    if (!Array.isArray(mod.scenarios)) throw new Error(`bench/scenarios/${file} must export \`scenarios: Scenario[]\``);
    all.push(...mod.scenarios);
  }
  const ids = new Set<string>();
  for (const s of all) {
    if (ids.has(s.id)) throw new Error(`duplicate scenario id ${s.id}`);
    ids.add(s.id);
  }
  for (const s of all) {
    if (s.baseline !== undefined && !ids.has(s.baseline)) throw new Error(`${s.id}: unknown baseline ${s.baseline}`);
  }
  return all;
}

/** BENCH_ONLY prefixes, plus the baselines the selected scenarios compare against (kept in registry order). */
function select(all: Scenario[], only: readonly string[]): Scenario[] {
  if (only.length === 0) return all;
  const chosen = new Set(all.filter((s) => only.some((p) => s.id === p || s.id.startsWith(p))).map((s) => s.id));
  for (const s of all) if (chosen.has(s.id) && s.baseline !== undefined) chosen.add(s.baseline);
  return all.filter((s) => chosen.has(s.id));
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

class StoreRun {
  private readonly fixtures = new Map<string, Promise<unknown>>();
  private scenarioServers: ServerHandle[] = [];
  private gatehouseServer: Promise<ServerHandle> | undefined;
  private scenario: Scenario | undefined;

  constructor(
    private readonly bench: BenchConfig,
    private readonly store: BenchStore,
    private readonly storage: Storage,
  ) {}

  /** The configuration the Gatehouse child gets: the bench store, quiet logs, rate limits off (GHES default). */
  private serverConfig(port: number, overrides: Partial<Config> = {}): Config {
    return testConfig({
      host: '127.0.0.1',
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      storage: this.store.storage,
      logLevel: 'warn',
      ...overrides,
    });
  }

  context(): BenchContext {
    const domain: DomainContext = {
      db: this.storage.db,
      dialect: this.storage.dialect,
      config: this.serverConfig(0),
      clock: systemClock,
    };
    return {
      bench: this.bench,
      store: { kind: this.store.kind, label: this.store.label },
      domain,
      fixture: <T>(key: string, make: () => Promise<T>): Promise<T> => {
        let value = this.fixtures.get(key) as Promise<T> | undefined;
        if (value === undefined) {
          const started = Date.now();
          value = make().then((v) => {
            log(`  seeded ${key} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
            return v;
          });
          this.fixtures.set(key, value);
        }
        return value;
      },
      gatehouse: (overrides) => {
        this.gatehouseServer ??= this.startGatehouse(overrides);
        return this.gatehouseServer;
      },
      startServer: async (module, payload) => {
        const server = await startChild({
          module,
          payload,
          core: this.bench.pin ? SERVER_CORE : undefined,
          label: `${this.store.kind}:${module}`,
        });
        this.scenarioServers.push(server);
        return server;
      },
      load: (spec) => measure(spec, this.bench),
      log,
    };
  }

  private async startGatehouse(overrides?: Partial<Config>): Promise<ServerHandle> {
    const scenario = this.scenario;
    const port = await freePort();
    const payload: GatehousePayload = { config: this.serverConfig(port, overrides) };
    const execArgv: string[] = [];
    if (this.bench.profile) {
      // One directory per scenario: node writes one profile per thread (main, and tsx's loader worker), named by
      // pid and thread id; the main thread's is the big one.
      const dir = path.join(this.bench.outDir, 'profiles', `${this.store.kind}-${scenario?.id ?? 'gatehouse'}`);
      await fs.rm(dir, { recursive: true, force: true });
      await fs.mkdir(dir, { recursive: true });
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    const server = await startChild({
      module: 'gatehouse.ts',
      payload,
      core: this.bench.pin ? SERVER_CORE : undefined,
      execArgv,
      label: `${this.store.kind}:gatehouse`,
    });
    this.scenarioServers.push(server);
    return server;
  }

  async runScenario(scenario: Scenario): Promise<ScenarioResult> {
    this.scenario = scenario;
    const ctx = this.context();
    const result: ScenarioResult = { store: this.store.label, id: scenario.id, title: scenario.title, measurement: null };
    try {
      log(`[${this.store.label}] ${scenario.id}: setup`);
      await scenario.setup?.(ctx);
      const repeats = scenario.repeatable === true ? this.bench.repeat : 1;
      for (let attempt = 1; attempt <= repeats; attempt += 1) {
        if (attempt > 1) await this.stopServers();
        log(`[${this.store.label}] ${scenario.id}: run ${attempt}/${repeats} (${this.bench.warmup} s warm-up + ${this.bench.duration} s)`);
        const m = await scenario.run(ctx);
        log(`[${this.store.label}] ${scenario.id}: ${Math.round(m.rps)} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, server ${Math.round(m.serverCpuUsPerRequest)} µs CPU/req${m.failures > 0 ? `, ${m.failures} failed` : ''}`);
        result.attempts = [...(result.attempts ?? []), m];
        // Best of N: on a shared machine the quietest attempt is the closest to what the server can do.
        if (result.measurement === null || m.rps > result.measurement.rps || m.failures > 0) result.measurement = m;
      }
      if (repeats > 1 && result.measurement !== null) {
        result.measurement.notes = [...(result.measurement.notes ?? []), `best of ${repeats}`];
      }
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      log(`[${this.store.label}] ${scenario.id}: FAILED: ${result.error}`);
    } finally {
      await this.stopServers();
      this.scenario = undefined;
    }
    return result;
  }

  private async stopServers(): Promise<void> {
    // autocannon returns at the deadline with requests still in flight; let them finish before the servers go.
    await delay(300);
    await Promise.all(this.scenarioServers.map((s) => s.stop()));
    this.scenarioServers = [];
    this.gatehouseServer = undefined;
  }
}

async function runStore(bench: BenchConfig, store: BenchStore, scenarios: Scenario[]): Promise<ScenarioResult[]> {
  const storage = openStorage(store.storage, { poolSize: 4 });
  const results: ScenarioResult[] = [];
  try {
    await migrateToLatest(storage);
    const run = new StoreRun(bench, store, storage);
    for (const scenario of scenarios) {
      if (scenario.stores !== undefined && !scenario.stores.includes(store.kind)) continue;
      results.push(await run.runScenario(scenario));
    }
  } finally {
    await storage.close();
    await store.dispose();
  }
  for (const r of results) {
    if (r.measurement === null) continue;
    const scenario = scenarios.find((s) => s.id === r.id);
    if (scenario?.baseline === undefined) continue;
    const base = results.find((b) => b.id === scenario.baseline)?.measurement;
    if (base === null || base === undefined || base.rps <= 0) continue;
    r.baseline = scenario.baseline;
    r.ratio = r.measurement.rps / base.rps;
    if (scenario.targetRatio !== undefined) {
      r.targetRatio = scenario.targetRatio;
      r.meetsTarget = r.ratio >= scenario.targetRatio;
    }
  }
  return results;
}

/** Other processes on the machine skew req/s (and, pinned, starve the server's core): say so in the report. */
function busyNote(before: number, after: number, cores: number): string[] {
  // The bench itself keeps about two cores busy (and a previous run's load decays over minutes), so only a load
  // average of a full core per core before it started says for sure that someone else was using the machine.
  if (before < cores) return [];
  return [
    `the machine was busy before the run (1-minute load average ${before.toFixed(1)} on ${cores} cores, ${after.toFixed(1)} at the end): req/s and latencies are depressed; compare srv cpu µs/req`,
  ];
}

async function main(): Promise<void> {
  const bench = loadBenchConfig(process.env, ROOT);
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg()[0] ?? 0;
  const scenarios = select(await discoverScenarios(), bench.only);
  if (scenarios.length === 0) throw new Error(`no scenario matches BENCH_ONLY=${bench.only.join(',')}`);
  if (bench.pin) pinProcess(process.pid, LOAD_CORE);

  const results: ScenarioResult[] = [];
  if (!bench.skipSqlite) results.push(...(await runStore(bench, await sqliteStore(), scenarios)));
  if (bench.databaseUrl !== undefined) results.push(...(await runStore(bench, await postgresStore(bench.databaseUrl), scenarios)));

  const cpus = os.cpus();
  const meta: ReportMeta = {
    startedAt,
    finishedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    pinning: bench.pin
      ? `load generator pinned to cpu ${LOAD_CORE}, each server child to cpu ${SERVER_CORE} (taskset)`
      : 'no pinning (BENCH_PIN=0 or no taskset/second core): load generator and server share the cores',
    durationSeconds: bench.duration,
    repeat: bench.repeat,
    warmupSeconds: bench.warmup,
    connections: bench.connections,
    commit: gitCommit(),
    loadAverage: { before: loadBefore, after: os.loadavg()[0] ?? 0 },
    notes: [
      ...busyNote(loadBefore, os.loadavg()[0] ?? 0, cpus.length),
      'srv cpu µs/req = CPU time (user+system) of the server process per completed request, the figure least disturbed by other load on the machine; srv cpu = that CPU time over the wall time (100% = one core saturated)',
      `this machine has ${cpus.length} core(s): one runs autocannon, one the server under test (PostgreSQL, if used, shares both); a ceiling row near 100% srv cpu is server-bound, well below it the load generator was the limit`,
    ],
  };
  process.stdout.write(renderTable(results, meta));
  const file = await writeJson(bench.outDir, results, meta);
  log(`results written to ${path.relative(process.cwd(), file)}`);
  const broken = results.filter((r) => r.error !== undefined || (r.measurement?.failures ?? 0) > 0);
  if (broken.length > 0) {
    log(`${broken.length} scenario(s) failed or saw unexpected responses: ${broken.map((r) => `${r.store}/${r.id}`).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
