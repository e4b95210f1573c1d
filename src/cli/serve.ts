/**
 * `gatehouse serve`: open the store, create the demo in an empty one, listen, and shut down cleanly on SIGINT/SIGTERM
 * (requests in flight finish first, within the configured grace period).
 */
import net from 'node:net';
import { buildApp } from '../app.ts';
import { loadConfig, type ConfigFlags } from '../config/config.ts';
import { countEnterprises } from '../domain/accounts/accounts.ts';
import { ServerClock } from '../control/clock.ts';
import { demoSeed } from '../domain/seed/demo.ts';
import { applySeed } from '../domain/seed/seed.ts';
import { openStorage } from '../storage/db.ts';
import { migrateToLatest } from '../storage/migrations/index.ts';
import { CliError } from './context.ts';

export interface ServeFlags extends ConfigFlags {
  demo: boolean;
}

/** Fails early with a clear message when the port is taken, instead of Fastify's EADDRINUSE stack. */
function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CliError(error.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use (choose another with --port or PORT)` : error.message)),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export async function serve(flags: ServeFlags): Promise<void> {
  const config = loadConfig(flags);
  await assertPortFree(config.host, config.port);
  const storage = openStorage(config.storage, { readCache: config.readCache });
  await migrateToLatest(storage);
  // One settable clock for the demo and the server (the control API moves it: src/control/clock.ts).
  const clock = new ServerClock();
  const ctx = { db: storage.db, dialect: storage.dialect, config, clock };

  let demoTokens: Array<{ login: string; token: string }> = [];
  if (flags.demo && (await countEnterprises(storage.db)) === 0) {
    const result = await applySeed(ctx, demoSeed(clock.now()));
    demoTokens = result.tokens;
  }

  const app = await buildApp({ config, storage, clock, skipMigrations: true });
  await app.listen({ host: config.host, port: config.port });
  const where = config.storage.kind === 'postgres' ? 'PostgreSQL' : `SQLite ${config.storage.filename}`;
  process.stdout.write(`Gatehouse listening on ${config.publicUrl} (store: ${where})\n`);
  if (demoTokens.length > 0) {
    const owner = demoTokens[0];
    const admin = demoTokens[1];
    process.stdout.write(
      [
        '',
        'Created the demo enterprise "acme" (classic) and "acme-emu" (managed).',
        `  enterprise owner mona:     ${owner?.token ?? ''}`,
        `  site administrator token:  ${admin?.token ?? ''}`,
        '',
        'Try it:',
        `  curl -H "Authorization: Bearer ${owner?.token ?? ''}" ${config.publicUrl}/enterprises/acme/actions/runners`,
        '',
      ].join('\n'),
    );
  }

  // The first signal closes gracefully (src/http/shutdown.ts): no new connections, requests in flight finish within
  // GATEHOUSE_SHUTDOWN_GRACE_SECONDS, then the store closes. A second signal exits at once.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    app
      .close()
      .then(() => storage.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
