/**
 * The ceiling: a bare `node:http` server that answers every request with bytes captured from Gatehouse (status,
 * headers, body), doing no routing, no auth and no I/O. Whatever Gatehouse reaches is measured against this.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveChild } from './protocol.ts';

export interface CeilingPayload {
  status: number;
  /** Response headers as captured (hop-by-hop ones and `date` removed; node adds its own). */
  headers: Array<[string, string]>;
  /** Body, base64. */
  body: string;
}

serveChild<CeilingPayload>(async (payload) => {
  const body = Buffer.from(payload.body, 'base64');
  const headers: Record<string, string> = Object.fromEntries(payload.headers);
  headers['content-length'] = String(body.length);
  const server = http.createServer((request, response) => {
    // Drain any request body so keep-alive connections stay usable.
    request.resume();
    response.writeHead(payload.status, headers);
    response.end(body);
  });
  // Match Fastify's defaults so keep-alive behaves the same for both servers.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});
