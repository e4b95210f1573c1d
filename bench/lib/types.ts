/**
 * The bench's extension points. A scenario is one module-level object in `bench/scenarios/*.ts` (every file there is
 * loaded, in file-name order, and its exported `scenarios` array registered), so adding a scenario is a one-file job:
 * seed in `setup` straight through the domain functions or Kysely, then drive load in `run` with `ctx.load`.
 */
import type { Config } from '../../src/config/config.ts';
import type { RequestSpec } from 'autocannon';
import type { DomainContext } from '../../src/domain/context.ts';
import type { BenchConfig } from './config.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** A child-process HTTP server started by the bench. */
export interface ServerHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly pid: number;
  /** Anything the child reported when it became ready. */
  readonly info: Readonly<Record<string, unknown>>;
  /** The child's CPU time so far and its resident memory. */
  usage(): Promise<ServerUsage>;
  stop(): Promise<void>;
}

export interface ServerUsage {
  userUs: number;
  systemUs: number;
  rssBytes: number;
}

/** One load run: what autocannon should send. */
export interface LoadSpec {
  /** The server to load. */
  server: ServerHandle;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Several requests to cycle through per connection (autocannon's `requests`); overrides path/method/body. */
  requests?: RequestSpec[];
  /** Connections; default `BenchConfig.connections` (50). */
  connections?: number;
  /** Seconds; default `BenchConfig.duration`. Ignored when `amount` is set. */
  duration?: number;
  /** Stop after this many requests instead of after a duration (e.g. "create 10,000 users"). */
  amount?: number;
  /** Unmeasured load first so V8 has compiled the hot path; default true unless `amount` is set (writes). */
  warmup?: boolean;
  /** Status every response must have; others are counted as failures. Default: any 2xx. */
  expectStatus?: number;
}

/** What one scenario measured. Latencies are milliseconds. */
export interface Measurement {
  requests: number;
  seconds: number;
  rps: number;
  latencyMeanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Responses that were not the expected status, plus socket errors and timeouts. */
  failures: number;
  statusCounts: Record<string, number>;
  bytesPerResponse: number;
  connections: number;
  /**
   * Server CPU time (user + system) per completed request, in microseconds. Unlike req/s this barely moves when
   * other work shares the machine, so it is the figure to compare runs and optimisations by.
   */
  serverCpuUsPerRequest: number;
  /** Server CPU time / wall time during the run: near 1.0 means the server was the bottleneck. */
  serverCpuShare: number;
  serverRssMb: number;
  /** Free text shown in the table's notes column. */
  notes?: string[];
}

/** Per store, per scenario: what a scenario can use. */
export interface BenchContext {
  readonly bench: BenchConfig;
  readonly store: { readonly kind: StoreKind; readonly label: string };
  /** Domain context over the bench store, for seeding (system clock; `config` is what the server child gets, less its port). */
  readonly domain: DomainContext;
  /**
   * Runs `make` once per store and returns its value to every later caller, so scenarios share seeds
   * (e.g. the 10,000 runners) without knowing who seeded first.
   */
  fixture<T>(key: string, make: () => Promise<T>): Promise<T>;
  /**
   * The Gatehouse server child for the current scenario: started on first call (with `overrides` on top of the bench
   * configuration, e.g. `{ readCache: false }`), stopped when the scenario ends.
   */
  gatehouse(overrides?: Partial<Config>): Promise<ServerHandle>;
  /** Starts another server child from a module in `bench/servers/`; stopped when the scenario ends. */
  startServer(module: string, payload: unknown): Promise<ServerHandle>;
  /** Warms up, then measures with autocannon in this (the parent) process. */
  load(spec: LoadSpec): Promise<Measurement>;
  /** Progress line on stderr (stdout carries only the result table). */
  log(message: string): void;
}

export interface Scenario {
  /** Stable id, `<area>.<name>`; used in results, in BENCH_ONLY, and as a `baseline` reference. */
  readonly id: string;
  /** What the table shows. */
  readonly title: string;
  /** Seeds what the scenario needs, directly (not over HTTP); not timed. */
  setup?(ctx: BenchContext): Promise<void>;
  /** Drives the load and returns the measurement. */
  run(ctx: BenchContext): Promise<Measurement>;
  /** Id of the scenario whose throughput is this one's 100% (the `vs` column); it runs whenever this one does. */
  readonly baseline?: string;
  /** Throughput ratio to `baseline` this scenario is expected to reach (reported as pass/miss). */
  readonly targetRatio?: number;
  /** Stores the scenario makes sense on; default all. */
  readonly stores?: readonly StoreKind[];
  /**
   * True when `run` can be repeated on the same seed (reads); then BENCH_REPEAT=N runs it N times, each on a fresh
   * server child, and reports the best. Scenarios that write (create 10,000 users) leave it unset.
   */
  readonly repeatable?: boolean;
}

/** One row of the report. */
export interface ScenarioResult {
  store: string;
  id: string;
  title: string;
  measurement: Measurement | null;
  /** Every attempt when the scenario was repeated (BENCH_REPEAT). */
  attempts?: Measurement[] | undefined;
  baseline?: string | undefined;
  ratio?: number | undefined;
  targetRatio?: number | undefined;
  meetsTarget?: boolean | undefined;
  error?: string | undefined;
}
