/**
 * Composition root: `buildApp` wires configuration, storage and clock into a Fastify instance. No I/O happens on
 * import; `main.ts` and the CLI are the only callers that listen.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AppContext } from './app-context.ts';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './domain/context.ts';
import { installConventions } from './http/conventions.ts';
import { InFlightResponses, installGracefulClose } from './http/shutdown.ts';
import { RateLimiter } from './http/rate-limit.ts';
import './http/types.ts';
import { adminRoutes } from './rest/admin/routes.ts';
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
import { lazyChildLoggerFactory } from './http/request-logger.ts';
import { openStorage, type Storage } from './storage/db.ts';
import { migrateToLatest } from './storage/migrations/index.ts';

/** Every route family, each registered at the root (api.github.com style) and under `/api/v3` (GHES style). */
const ROUTE_FAMILIES: ReadonlyArray<(app: FastifyInstance) => void> = [adminRoutes, auditLogRoutes, billingRoutes, runnerGroupRoutes, orgsRoutes, teamsRoutes, runnersRoutes, runnerSideRoutes, externalGroupsRoutes, scimRoutes];

export interface BuildAppOptions {
  config: Config;
  /** An open store to use; when absent one is opened from `config.storage` and closed with the app. */
  storage?: Storage;
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

  // Requests in flight, for a graceful close (src/http/shutdown.ts).
  const inFlight = new InFlightResponses();
  const app = Fastify({
    serverFactory: inFlight.serverFactory,
    logger: { level: config.logLevel, ...(config.logFormat === 'pretty' ? { stream: await prettyLogStream() } : {}) },
    // Per-request log lines cost throughput; they are on only at debug and trace.
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    // Each request's child logger is made on its first log line, not up front (src/http/request-logger.ts).
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: 64 * 1024 * 1024,
    trustProxy: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
  });

  const ctx: AppContext = {
    db: storage.db,
    dialect: storage.dialect,
    config,
    clock: options.clock ?? systemClock,
    rateLimiter: new RateLimiter(config.rateLimitPerHour),
  };
  app.decorate('gh', ctx);
  installConventions(app, ctx);
  installGracefulClose(app, inFlight, { graceMs: config.shutdownGraceMs });

  for (const prefix of ['', '/api/v3']) {
    await app.register(
      async (scope) => {
        for (const register of ROUTE_FAMILIES) register(scope);
      },
      { prefix },
    );
  }

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
