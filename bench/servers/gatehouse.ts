/**
 * Gatehouse under test: `buildApp` exactly as `serve` builds it, on the store the parent seeded (migrations already
 * applied there), listening on loopback.
 */
import { buildApp } from '../../src/app.ts';
import type { Config } from '../../src/config/config.ts';
import { serveChild } from './protocol.ts';

export interface GatehousePayload {
  config: Config;
}

serveChild<GatehousePayload>(async ({ config }) => {
  const app = await buildApp({ config, skipMigrations: true });
  await app.listen({ host: '127.0.0.1', port: config.port });
  return { port: config.port, close: () => app.close() };
});
