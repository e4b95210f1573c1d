/**
 * The framework floor: a plain Fastify app (Gatehouse's options that matter per request: logger at warn, no request
 * logging) with one route answering the bytes captured from Gatehouse (same status, headers and body), set with
 * `reply.headers()` and sent as a string. What any Fastify-based server pays before doing any work of its own.
 */
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import type { CeilingPayload } from './ceiling.ts';
import { serveChild } from './protocol.ts';

serveChild<CeilingPayload & { path: string }>(async (payload) => {
  const body = Buffer.from(payload.body, 'base64').toString('utf8');
  const headers: Record<string, string> = Object.fromEntries(payload.headers.filter(([name]) => name !== 'content-length'));
  const app = Fastify({ logger: { level: 'warn' }, disableRequestLogging: true });
  app.get(payload.path.replace(/\/\d+$/, '/:id'), (_request, reply) => {
    reply.code(payload.status).headers(headers);
    return body;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
});
