/**
 * Graceful close of a listening Gatehouse: what `app.close()` does (and so `gatehouse serve` on SIGTERM or SIGINT).
 *
 * Fastify alone already stops listening and runs the `onClose` hooks (the store is closed there) only once the HTTP
 * server has closed, that is once every connection has ended. Two things were missing:
 * - a connection whose request was in flight when `close()` began is kept alive after its response, and Node's
 *   `server.close()` only ends connections idle at the moment it is called, so `close()` waited for the client to
 *   hang up or for the keep-alive timeout (72 s in Fastify 5);
 * - nothing bounded the wait for a request that never finishes (a client that stops sending its body).
 *
 * So, once `close()` begins:
 * - new connections are refused (Fastify closes the listening socket), and a request arriving on a kept-alive
 *   connection gets Fastify's 503 with `Connection: close` (`return503OnClosing`, on by default);
 * - requests already received run to completion, against the still open store; their responses carry
 *   `Connection: close` (or, when their headers were already out, the connection is closed as soon as it is idle);
 * - after `graceMs`, connections still open are destroyed (their requests are reset, and logged), so the server
 *   closes and the `onClose` hooks, the store last, run in bounded time.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface GracefulCloseOptions {
  /** How long `close()` waits for requests in flight before it destroys their connections. */
  graceMs: number;
}

/** Default grace period for requests in flight when the server closes. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Installs the behaviour above on an app that will listen; call it before the app is ready. */
export function installGracefulClose(app: FastifyInstance, options: GracefulCloseOptions): void {
  const server = app.server;
  const inFlight = new Set<ServerResponse>();
  let closing = false;

  // One shared listener, no closure per request: this runs on every request, the hot path included.
  function settled(this: ServerResponse): void {
    inFlight.delete(this);
    // A response whose headers went out before `close()` began may have left its connection open and idle now.
    if (closing) setImmediate(() => server.closeIdleConnections());
  }
  // Registered after Fastify's own listener, so it sees every request Fastify routes; those arriving while closing
  // are answered 503 by Fastify and need no tracking.
  server.on('request', (_request, response: ServerResponse) => {
    if (closing) return;
    inFlight.add(response);
    response.on('close', settled); // 'close' comes once; `on` spares the wrapper `once` makes per call
  });

  app.addHook('preClose', async () => {
    closing = true;
    for (const response of inFlight) {
      if (!response.headersSent) response.setHeader('connection', 'close');
    }
    if (!server.listening) return;
    if (inFlight.size > 0) app.log.info({ inFlight: inFlight.size, graceMs: options.graceMs }, 'closing: waiting for requests in flight');
    const timer = setTimeout(() => {
      app.log.warn({ inFlight: inFlight.size, graceMs: options.graceMs }, 'closing: grace period over, destroying the connections still open');
      server.closeAllConnections();
    }, options.graceMs);
    timer.unref();
    server.once('close', () => clearTimeout(timer));
  });
}
