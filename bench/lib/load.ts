/**
 * Load generation with autocannon's programmatic API, in the parent process (one event loop; pinned to its own core
 * when pinning is on). A warm-up run precedes each measured run and is discarded.
 */
import autocannon, { type Options, type Result } from 'autocannon';
import type { BenchConfig } from './config.ts';
import type { LoadSpec, Measurement, ServerUsage } from './types.ts';

function options(spec: LoadSpec, bench: BenchConfig, duration: number, amount: number | undefined): Options {
  const opts: Options = {
    url: `${spec.server.url}${spec.requests === undefined ? spec.path : ''}`,
    connections: spec.connections ?? bench.connections,
    duration,
    timeout: 30,
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
  };
  if (amount !== undefined) opts.amount = amount;
  if (spec.body !== undefined) opts.body = spec.body;
  if (spec.requests !== undefined) opts.requests = spec.requests;
  return opts;
}

async function run(opts: Options): Promise<Result> {
  return await autocannon(opts);
}

export function toMeasurement(
  result: Result,
  expectStatus: number | undefined,
  before: ServerUsage,
  after: ServerUsage,
): Measurement {
  const statusCounts: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats)) statusCounts[code] = stat.count;
  const completed = result.requests.total;
  const unexpected =
    expectStatus === undefined ? result.non2xx : completed - (statusCounts[String(expectStatus)] ?? 0);
  const seconds = result.duration;
  const cpuUs = after.userUs - before.userUs + (after.systemUs - before.systemUs);
  return {
    requests: completed,
    seconds,
    rps: seconds > 0 ? completed / seconds : 0,
    latencyMeanMs: result.latency.mean,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    failures: unexpected + result.errors + result.timeouts,
    statusCounts,
    bytesPerResponse: completed > 0 ? Math.round(result.throughput.total / completed) : 0,
    connections: result.connections,
    serverCpuUsPerRequest: completed > 0 ? cpuUs / completed : 0,
    serverCpuShare: seconds > 0 ? cpuUs / 1e6 / seconds : 0,
    serverRssMb: Math.round(after.rssBytes / 1024 / 1024),
  };
}

export async function measure(spec: LoadSpec, bench: BenchConfig): Promise<Measurement> {
  const warm = spec.warmup ?? spec.amount === undefined;
  if (warm) await run(options(spec, bench, bench.warmup, undefined));
  const before = await spec.server.usage();
  const result = await run(options(spec, bench, spec.duration ?? bench.duration, spec.amount));
  const after = await spec.server.usage();
  return toMeasurement(result, spec.expectStatus, before, after);
}
