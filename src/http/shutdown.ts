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
 * So, once `close()` begins (the responses in flight are known from `InFlightResponses`, below):
 * - new connections are refused (Fastify closes the listening socket), and a request arriving on a kept-alive
 *   connection gets Fastify's 503 with `Connection: close` (`return503OnClosing`, on by default);
 * - requests already received run to completion, against the still open store; their responses carry
 *   `Connection: close` (or, when their headers were already out, the connection is closed as soon as it is idle);
 * - after `graceMs`, connections still open are destroyed (their requests are reset, and logged), so the server
 *   closes and the `onClose` hooks, the store last, run in bounded time.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';

export interface GracefulCloseOptions {
  /** How long `close()` waits for requests in flight before it destroys their connections. */
  graceMs: number;
}

/** Default grace period for requests in flight when the server closes. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** The resolved Fastify options a server factory receives, as far as an HTTP/1 server uses them. */
interface FactoryOptions {
  http?: http.ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket: number;
}

/**
 * Knows, at any moment, which responses are in flight, at almost no cost per request: connections are tracked as they
 * open and close (a kept-alive connection carries many requests), and each request only records itself as its
 * connection's latest response. A response is in flight when it is its connection's latest and has not finished.
 * Handed to Fastify as its `serverFactory`, so the record is made before Fastify sees the request.
 */
export class InFlightResponses {
  readonly #connections = new Set<Socket>();
  readonly #latest = new WeakMap<Socket, ServerResponse>();

  readonly serverFactory: FastifyServerFactory = (handler, opts) => {
    const options = opts as unknown as FactoryOptions;
    const server = http.createServer(options.http ?? {}, (request: IncomingMessage, response: ServerResponse) => {
      this.#latest.set(request.socket, response);
      handler(request, response);
    });
    // What Fastify does to the server it makes itself (its defaults: 72 s keep-alive, no request or socket timeout).
    server.keepAliveTimeout = options.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    server.on('connection', (socket: Socket) => {
      this.#connections.add(socket);
      socket.once('close', () => this.#connections.delete(socket));
    });
    return server;
  };

  /** The responses not yet finished (headers or body still to be written). */
  current(): ServerResponse[] {
    const out: ServerResponse[] = [];
    for (const socket of this.#connections) {
      const response = this.#latest.get(socket);
      if (response !== undefined && !response.writableFinished && !response.destroyed) out.push(response);
    }
    return out;
  }
}

/** Installs the behaviour above on an app built with `tracker.serverFactory`; call it before the app is ready. */
export function installGracefulClose(app: FastifyInstance, tracker: InFlightResponses, options: GracefulCloseOptions): void {
  const server = app.server;
  app.addHook('preClose', async () => {
    const inFlight = new Set(tracker.current());
    for (const response of inFlight) {
      if (!response.headersSent) response.setHeader('connection', 'close');
      // A response whose headers went out before `close()` began may leave its connection open and idle when done.
      response.once('close', () => {
        inFlight.delete(response);
        setImmediate(() => server.closeIdleConnections());
      });
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
