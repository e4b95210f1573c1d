/**
 * A closed-loop load driver for write scenarios where autocannon's fixed request list does not fit: every request is
 * produced on demand (a unique userName, a member that is not in the group yet), `connections` requests are in
 * flight at any time, and latencies are kept exactly (autocannon's histogram has 1 ms resolution, too coarse for a
 * 2 ms member add). Runs in the parent like autocannon, over keep-alive `node:http` connections, and returns the same
 * `Measurement` (server CPU sampled around the measured window).
 */
import http from 'node:http';
import type { Measurement, ServerHandle } from './types.ts';

export interface LoopRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoopResponse {
  status: number;
  body: string;
  ms: number;
}

export interface LoopSpec {
  server: ServerHandle;
  /** Requests in flight at once. */
  connections: number;
  /** The next request, or undefined when there is no more work. */
  next(): LoopRequest | undefined;
  /** Stop after this many requests (default: when `next` runs out or the deadline passes). */
  maxRequests?: number;
  /** Stop starting requests after this many seconds (default: no deadline). */
  durationSeconds?: number;
  /** Status every response must have; others count as failures. */
  expectStatus: number;
}

/** Latency percentiles (nearest rank) of a sample, in the sample's unit. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/** One request over `agent`, timed from write to the last body byte. */
export function send(server: ServerHandle, agent: http.Agent, request: LoopRequest): Promise<LoopResponse> {
  const url = new URL(request.path, server.url);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers: Record<string, string> = { ...(request.headers ?? {}) };
  if (body !== undefined) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: request.method, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`${request.method} ${request.path}: timed out`)));
    req.end(body);
  });
}

export function keepAliveAgent(connections: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections });
}

/** Builds a `Measurement` from exact latencies (ms) and the server's CPU over the window. */
export function measurementOf(
  latencies: number[],
  seconds: number,
  statusCounts: Record<string, number>,
  failures: number,
  bytes: number,
  connections: number,
  cpu: { before: { userUs: number; systemUs: number }; after: { userUs: number; systemUs: number; rssBytes: number } },
): Measurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  const n = sorted.length;
  const cpuUs = cpu.after.userUs - cpu.before.userUs + (cpu.after.systemUs - cpu.before.systemUs);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    requests: n,
    seconds,
    rps: seconds > 0 ? n / seconds : 0,
    latencyMeanMs: n > 0 ? round(sorted.reduce((s, x) => s + x, 0) / n) : 0,
    p50Ms: round(percentile(sorted, 0.5)),
    p90Ms: round(percentile(sorted, 0.9)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted[n - 1] ?? 0),
    failures,
    statusCounts,
    bytesPerResponse: n > 0 ? Math.round(bytes / n) : 0,
    connections,
    serverCpuUsPerRequest: n > 0 ? cpuUs / n : 0,
    serverCpuShare: seconds > 0 ? cpuUs / 1e6 / seconds : 0,
    serverRssMb: Math.round(cpu.after.rssBytes / 1024 / 1024),
  };
}

/** Runs the loop and measures it; a response with another status is a failure (its body is kept for the error). */
export async function closedLoop(spec: LoopSpec): Promise<Measurement & { firstFailure?: string }> {
  const agent = keepAliveAgent(spec.connections);
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let failures = 0;
  let bytes = 0;
  let started = 0;
  let firstFailure: string | undefined;
  const deadline = spec.durationSeconds === undefined ? Infinity : Date.now() + spec.durationSeconds * 1000;
  const max = spec.maxRequests ?? Infinity;
  const before = await spec.server.usage();
  const t0 = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (started >= max || Date.now() >= deadline) return;
      const request = spec.next();
      if (request === undefined) return;
      started += 1;
      try {
        const res = await send(spec.server, agent, request);
        statusCounts[String(res.status)] = (statusCounts[String(res.status)] ?? 0) + 1;
        bytes += Buffer.byteLength(res.body);
        latencies.push(res.ms);
        if (res.status !== spec.expectStatus) {
          failures += 1;
          firstFailure ??= `${request.method} ${request.path}: ${res.status} ${res.body.slice(0, 300)}`;
        }
      } catch (error) {
        failures += 1;
        firstFailure ??= `${request.method} ${request.path}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, () => worker()));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = await spec.server.usage();
  agent.destroy();
  const m = measurementOf(latencies, seconds, statusCounts, failures, bytes, spec.connections, { before, after });
  return firstFailure === undefined ? m : { ...m, firstFailure };
}
