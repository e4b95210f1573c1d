/**
 * Composition root: `buildApp` wires configuration, storage and clock into a Fastify instance. No I/O happens on
 * import; `main.ts` and the CLI are the only callers that listen.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppContext } from './app-context.ts';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './domain/context.ts';
import { installConventions, requestIdSource } from './http/conventions.ts';
import { ServerClock } from './control/clock.ts';
import { installTestControls } from './control/index.ts';
import { consoleRoutes } from './console/routes.ts';
import { InFlightResponses, installGracefulClose } from './http/shutdown.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import './http/types.ts';
import { adminRoutes } from './rest/admin/routes.ts';
import { hypermediaRoutes, webRoutes } from './rest/links/routes.ts';
import { metaRoutes } from './rest/meta/routes.ts';
import { auditLogRoutes } from './rest/audit-log/routes.ts';
import { billingRoutes } from './rest/billing/routes.ts';
import { externalGroupsRoutes } from './rest/external-groups/routes.ts';
import { orgsRoutes } from './rest/orgs/routes.ts';
import { runnerGroupRoutes } from './rest/runner-groups/routes.ts';
import { teamsRoutes } from './rest/teams/routes.ts';
import { scimRoutes } from './scim/routes.ts';
import { runnerSideRoutes } from './rest/runner-side/routes.ts';
import { runnersRoutes } from './rest/runners/routes.ts';
import { startStaleRunnerSweeps, type StaleRunnerSweeps } from './domain/runners/stale.ts';
import { RequestLogController, lazyChildLoggerFactory } from './http/request-logger.ts';
import { healthRoutes } from './http/health.ts';
import { Metrics, metricsRoute } from './http/metrics.ts';
import { installOpenApi } from './http/openapi.ts';
import { observeQueryTimes, openStorage, type Storage } from './storage/db.ts';
import { migrateToLatest } from './storage/migrations/index.ts';

/** Every route family, each registered at the root (api.github.com style) and under `/api/v3` (GHES style). */
const ROUTE_FAMILIES: ReadonlyArray<(app: FastifyInstance) => void> = [adminRoutes, auditLogRoutes, billingRoutes, runnerGroupRoutes, orgsRoutes, teamsRoutes, runnersRoutes, runnerSideRoutes, externalGroupsRoutes, scimRoutes, metaRoutes, hypermediaRoutes];

export interface BuildAppOptions {
  config: Config;
  /** An open store to use; when absent one is opened from `config.storage` and closed with the app. */
  storage?: Storage;
  /** The time source; wrapped in a settable `ServerClock` unless it is one already (src/control/clock.ts). */
  clock?: Clock;
  /** Skip running migrations (the caller has already done so). */
  skipMigrations?: boolean;
}

/**
 * Human-readable log lines for a terminal: pino-pretty as a synchronous stream in this process (no transport worker
 * thread, so nothing is lost when the process exits), one line per entry with its fields (the request id among them)
 * at the end, colours only when stdout is a terminal. Loaded only when used.
 */
async function prettyLogStream(): Promise<NodeJS.WritableStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({ sync: true, singleLine: true, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname' });
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const storage = options.storage ?? openStorage(config.storage, { readCache: config.readCache });
  if (options.skipMigrations !== true) await migrateToLatest(storage);

  function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    app.answerFrameworkError(error, request, reply);
  }

  // Requests in flight, for a graceful close (src/http/shutdown.ts).
  const inFlight = new InFlightResponses();
  const app = Fastify({
    serverFactory: inFlight.serverFactory,
    logger: { level: config.logLevel, ...(config.logFormat === 'pretty' ? { stream: await prettyLogStream() } : {}) },
    // Per-request log lines cost throughput; they are on only at debug and trace, and written at debug.
    logController: new RequestLogController(config.logLevel),
    // Request ids are the `X-GitHub-Request-Id` values (conventions.ts sends `request.id`), so log lines carry them.
    genReqId: requestIdSource(),
    // Each request's child logger is made on its first log line, not up front (src/http/request-logger.ts).
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: 64 * 1024 * 1024,
    trustProxy: true,
    // allowUnionTypes: schemas such as `{type: ['integer', 'string']}` are deliberate; without it Ajv's strict mode
    // warns on stderr (console.warn, whatever the log level) once per route prefix at every start.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, allowUnionTypes: true } },
    // Errors before routing get GitHub's body and headers too (src/http/conventions.ts).
    frameworkErrors: answerFrameworkError,
  });

  const clock = options.clock instanceof ServerClock ? options.clock : new ServerClock(options.clock ?? systemClock);
  const ctx: AppContext = {
    db: storage.db,
    dialect: storage.dialect,
    config,
    clock,
    rateLimiter: createRateLimiter(storage.db, storage.dialect, config.rateLimitPerHour, (message) => app.log.warn(message)),
  };
  app.decorate('gh', ctx);
  installConventions(app, ctx);
  installGracefulClose(app, inFlight, { graceMs: config.shutdownGraceMs });
  // Test controls (/_gatehouse/api): root hooks and routes, before any other route; absent when switched off.
  if (config.testControls) {
    installTestControls(app, ctx, clock);
    // The web console (/_gatehouse/, src/console/routes.ts) drives the test controls, so it comes and goes with them.
    consoleRoutes(app, ctx);
  }

  // --- Operations endpoints (/_gatehouse/…): health, readiness, metrics, OpenAPI; root only, outside GitHub's conventions. ---
  await installOpenApi(app);
  const metrics = new Metrics(ctx);
  metrics.install(app);
  observeQueryTimes(storage.db, metrics.observeQuery);
  healthRoutes(app, storage.db);
  metricsRoute(app, metrics, config.metricsToken);
  // --- end operations endpoints ---

  for (const prefix of ['', '/api/v3']) {
    await app.register(
      async (scope) => {
        for (const register of ROUTE_FAMILIES) register(scope);
      },
      { prefix },
    );
  }
  // Avatars and the pages `html_url` names live at the host's root, not under the API (src/rest/links/routes.ts).
  await app.register(async (scope) => webRoutes(scope));

  if (options.storage === undefined) app.addHook('onClose', () => storage.close());

  // --- Stale runner removal (src/domain/runners/stale.ts): one sweep when ready, then hourly; stopped on close. ---
  // Registered after the storage hook: onClose hooks run last-registered first, so a sweep in progress ends before the
  // store closes.
  let runnerSweeps: StaleRunnerSweeps | undefined;
  app.addHook('onReady', async () => {
    runnerSweeps = startStaleRunnerSweeps(ctx, app.log);
    await runnerSweeps.first;
  });
  app.addHook('onClose', async () => {
    await runnerSweeps?.stop();
  });
  // --- end stale runner removal ---

  return app;
}
