/**
 * `GET /_gatehouse/metrics`: Prometheus' text exposition format (https://prometheus.io/docs/instrumenting/exposition_formats/)
 * through prom-client. Not a GitHub route: no `/api/v3` twin, no GitHub token, no rate-limit count; optionally
 * protected by `GATEHOUSE_METRICS_TOKEN` (sent as `Authorization: Bearer …`, as Prometheus' `authorization` scrape
 * setting does).
 *
 * What is exported:
 * - `gatehouse_http_requests_total` and `gatehouse_http_request_duration_seconds` by route template, method and status;
 * - `gatehouse_scim_operations_total` by dialect, identity provider (guessed from the User-Agent), operation and status;
 * - `gatehouse_store_query_duration_seconds` (every SQL statement, from Kysely's `log` hook);
 * - `gatehouse_read_cache_{hits,misses}_total` (SQLite's read cache);
 * - `gatehouse_runners` by status and busy, counted when scraped;
 * - prom-client's default process metrics (CPU, memory, handles, GC, `nodejs_eventloop_lag_*` event-loop delay).
 *
 * The per-request series cost a few array increments: each route gets its own tallies when it is added (the
 * `onRoute` hook), so the hot path neither builds label objects nor hashes them (prom-client's `labels(…).observe`
 * does both on every call); they are turned into prom-client's metric shape only when scraped.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { AppContext } from '../app-context.ts';
import { nowMs } from '../domain/context.ts';
import { readCacheOf } from '../storage/read-cache.ts';
import { sql } from '../storage/db.ts';
import { guessIdentityProvider } from './identity-provider.ts';

export const METRICS_PATH = '/_gatehouse/metrics';

/** Latency buckets in seconds: cached GETs answer in well under a millisecond, SCIM writes in milliseconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A series set prom-client's registry can print: the `get()` shape of its own metric classes. */
abstract class Tally {
  abstract readonly type: 'counter' | 'histogram';
  protected readonly series = new Map<string, { labels: Record<string, string>; counts: Float64Array }>();

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly string[],
  ) {}

  /** The counts of one label combination, made on first use and kept; `values` in `labelNames` order. */
  protected cell(values: readonly string[], width: number): Float64Array {
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      entry = { labels, counts: new Float64Array(width) };
      this.series.set(key, entry);
    }
    return entry.counts;
  }

  protected abstract values(): MetricValue[];

  get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: 'sum' });
  }

  reset(): void {
    for (const entry of this.series.values()) entry.counts.fill(0);
  }

  /** Registers with a prom-client registry, which prints anything with `name` and `get()`. */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}

class TallyCounter extends Tally {
  readonly type = 'counter';

  /** A function that adds one to the series `values`. */
  child(values: readonly string[]): () => void {
    const counts = this.cell(values, 1);
    return () => {
      counts[0] = (counts[0] ?? 0) + 1;
    };
  }

  protected values(): MetricValue[] {
    return [...this.series.values()].map(({ labels, counts }) => ({ labels, value: counts[0] ?? 0 }));
  }
}

class TallyHistogram extends Tally {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  /** A function that records one observation (in seconds) in the series `values`. Layout: buckets, +Inf, sum. */
  child(values: readonly string[]): (seconds: number) => void {
    const counts = this.cell(values, this.bounds.length + 2);
    const bounds = this.bounds;
    return (seconds) => {
      let i = 0;
      while (i < bounds.length && seconds > (bounds[i] as number)) i += 1;
      counts[i] = (counts[i] ?? 0) + 1;
      counts[bounds.length + 1] = (counts[bounds.length + 1] ?? 0) + seconds;
    };
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    for (const { labels, counts } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += counts[i] ?? 0;
        out.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      cumulative += counts[this.bounds.length] ?? 0;
      out.push({ labels: { ...labels, le: '+Inf' }, value: cumulative, metricName: `${this.name}_bucket` });
      out.push({ labels, value: counts[this.bounds.length + 1] ?? 0, metricName: `${this.name}_sum` });
      out.push({ labels, value: cumulative, metricName: `${this.name}_count` });
    }
    return out;
  }
}

/** SCIM dialect of a request, noted by the SCIM routes once resolved (src/scim/routes.ts). */
const scimDialects = new WeakMap<FastifyRequest, string>();

/** Records which SCIM dialect answered `request` (for `gatehouse_scim_operations_total`). */
export function noteScimDialect(request: FastifyRequest, dialect: string): void {
  scimDialects.set(request, dialect);
}

/** The SCIM operation a route template and method perform, e.g. `Users.create`; undefined for non-SCIM routes. */
export function scimOperation(url: string, method: string): string | undefined {
  const match = /\/(Users|Groups)(\/\.search|\/:[^/]+)?$/.exec(url);
  if (match !== null) {
    const [, resource, rest] = match;
    if (rest === '/.search') return `${resource}.search`;
    const withId = rest !== undefined;
    const verb = { GET: withId ? 'get' : 'list', POST: 'create', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' }[method];
    return verb === undefined ? undefined : `${resource}.${verb}`;
  }
  if (/\/\.search$/.test(url)) return 'search';
  if (/\/(ServiceProviderConfig|ResourceTypes|Schemas)(\/:[^/]+)?$/.test(url)) return 'discovery';
  return undefined;
}

/** Process-wide metrics (CPU, memory, event loop, GC): one set per process, however many apps it runs. */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** One app's metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests = new TallyCounter('gatehouse_http_requests_total', 'HTTP requests answered, by route template, method and status', ['route', 'method', 'status']).register(this.registry);
  readonly #latency = new TallyHistogram('gatehouse_http_request_duration_seconds', 'Time from request to response, by route template, method and status', ['route', 'method', 'status'], LATENCY_BUCKETS).register(this.registry);
  readonly #scim = new TallyCounter('gatehouse_scim_operations_total', 'SCIM operations, by dialect, identity provider (guessed from the User-Agent), operation and status', ['dialect', 'idp', 'operation', 'status']).register(this.registry);
  readonly #queryTime = new TallyHistogram('gatehouse_store_query_duration_seconds', 'Time of each SQL statement sent to the store', [], QUERY_BUCKETS).register(this.registry);
  readonly observeQuery: (seconds: number) => void = this.#queryTime.child([]);

  constructor(ctx: AppContext) {
    processMetrics();
    const readCache = readCacheOf(ctx.db);
    // Counters the cache keeps itself (two integer increments per lookup), read when scraped.
    new Counter({
      name: 'gatehouse_read_cache_hits_total',
      help: 'Lookups answered from the read cache (SQLite only)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(readCache?.hits ?? 0);
      },
    });
    new Counter({
      name: 'gatehouse_read_cache_misses_total',
      help: 'Lookups the read cache had to load from the store (SQLite only)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(readCache?.misses ?? 0);
      },
    });
    new Gauge({
      name: 'gatehouse_runners',
      help: 'Self-hosted runners by status (online/offline) and busy, counted when scraped',
      labelNames: ['status', 'busy'],
      registers: [this.registry],
      async collect() {
        const counts = await runnersByStatus(ctx);
        for (const [status, busy, n] of counts) this.set({ status, busy }, n);
      },
    });
  }

  /**
   * Gives every route added from now on its own tallies (call before the routes are added). Requests that match no
   * route are counted under the route `""`.
   */
  install(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const hook = this.#routeHook(route.url ?? route.path, methods.join(','), route.config?.surface === 'scim');
      const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
      route.onResponse = [...existing, hook];
    });
    // Only the not-found handler has no route hook; every other request passes by its route's.
    const unmatched = this.#routeHook('', '', false);
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) unmatched(request, reply, done);
      else done();
    });
  }

  #routeHook(url: string, method: string, scim: boolean): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
    const byStatus = new Map<number, { count: () => void; time: (seconds: number) => void }>();
    const scimByKey = new Map<string, () => void>();
    const operation = scim ? scimOperation(url, method) : undefined;
    return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const status = reply.statusCode;
      let cells = byStatus.get(status);
      if (cells === undefined) {
        const values = [url, method === '' ? request.method : method, String(status)];
        cells = { count: this.#requests.child(values), time: this.#latency.child(values) };
        byStatus.set(status, cells);
      }
      cells.count();
      cells.time(reply.elapsedTime / 1000);
      if (operation !== undefined) {
        const dialect = scimDialects.get(request) ?? 'unknown';
        const idp = guessIdentityProvider(request.headers['user-agent']);
        const key = `${dialect}\u0000${idp}\u0000${status}`;
        let count = scimByKey.get(key);
        if (count === undefined) {
          count = this.#scim.child([dialect, idp, operation, String(status)]);
          scimByKey.set(key, count);
        }
        count();
      }
      done();
    };
  }

  /** The exposition text: this app's metrics, then the process'. */
  async render(): Promise<string> {
    return `${await this.registry.metrics()}\n${await processMetrics().metrics()}`;
  }
}

/** Runners by status as the REST API reports it (src/domain/runners/read-model.ts): online within the heartbeat window. */
async function runnersByStatus(ctx: AppContext): Promise<Array<[string, string, number]>> {
  const since = new Date(nowMs(ctx.clock) - ctx.config.runnerOfflineAfterSeconds * 1000).toISOString();
  const rows = await ctx.db
    .selectFrom('runners')
    .select([
      sql<number>`sum(case when last_seen_at is not null and last_seen_at >= ${since} and busy = 1 then 1 else 0 end)`.as('online_busy'),
      sql<number>`sum(case when last_seen_at is not null and last_seen_at >= ${since} and busy <> 1 then 1 else 0 end)`.as('online_idle'),
      sql<number>`sum(case when last_seen_at is null or last_seen_at < ${since} then 1 else 0 end)`.as('offline'),
    ])
    .executeTakeFirst();
  return [
    ['online', 'true', Number(rows?.online_busy ?? 0)],
    ['online', 'false', Number(rows?.online_idle ?? 0)],
    ['offline', 'false', Number(rows?.offline ?? 0)],
  ];
}

/** Constant-time comparison of a presented bearer token with the configured one. */
function tokenMatches(header: string | undefined, expected: string): boolean {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return false;
  const a = crypto.createHash('sha256').update(match[1]).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** `GET /_gatehouse/metrics`, at the root only. */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  app.get(
    METRICS_PATH,
    {
      config: { conventions: false },
      schema: {
        summary: 'Prometheus metrics (Gatehouse operations endpoint)',
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
          401: { description: 'GATEHOUSE_METRICS_TOKEN is set and the request did not present it', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (token !== undefined && !tokenMatches(request.headers.authorization, token)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="gatehouse-metrics"').type('text/plain; charset=utf-8').send('Unauthorized\n');
      }
      const text = await metrics.render();
      return reply.code(200).type('text/plain; version=0.0.4; charset=utf-8').send(text);
    },
  );
}
