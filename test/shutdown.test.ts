/**
 * Graceful close (src/http/shutdown.ts): `app.close()`, and `gatehouse serve` on SIGTERM, refuse new connections at
 * once, let a request in flight finish with its complete response against the still open store, then close the store;
 * a request that does not finish within the grace period has its connection destroyed, so closing stays bounded.
 *
 * A request is held in flight deterministically with `Expect: 100-continue`: Node answers `100 Continue` once it has
 * parsed the request head and handed the request to Fastify (routed, before any close), and the handler cannot run
 * until the test sends the body.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { seedEnterprise, startTestApp, storageKind, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';
import { startServe } from './helpers/serve.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

interface RawResponse {
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
}

interface HeldRequest {
  /** Sends the body: the request goes on to the handler. */
  send(): void;
  /** The response after `100 Continue`: once complete (by its `content-length`), or whatever came when the connection closed. */
  response: Promise<RawResponse>;
  /** Resolves when the connection is closed. */
  closed: Promise<void>;
  /** Closes the connection from the client side (cleanup after a failure). */
  destroy(): void;
}

/** Opens a connection, sends the request head with `Expect: 100-continue`, and resolves once the server answered 100. */
async function holdRequest(baseUrl: string, method: string, requestPath: string, headers: Record<string, string>, body: string): Promise<HeldRequest> {
  const url = new URL(baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  const head = [
    `${method} ${requestPath} HTTP/1.1`,
    `host: ${url.host}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `content-length: ${Buffer.byteLength(body)}`,
    'expect: 100-continue',
    '',
    '',
  ].join('\r\n');
  let received = Buffer.alloc(0);
  let interimLength = -1;
  let complete: (response: RawResponse) => void = () => {};
  const response = new Promise<RawResponse>((resolve) => {
    complete = resolve;
  });
  const closed = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (interimLength < 0) return;
      const parsed = parseResponse(received.subarray(interimLength));
      const length = Number(parsed.headers['content-length']);
      if (parsed.status !== undefined && Number.isInteger(length) && Buffer.byteLength(parsed.body) >= length) complete(parsed);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      complete(parseResponse(received.subarray(Math.max(interimLength, 0))));
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => socket.write(head));
    socket.once('error', reject);
    const check = () => {
      if (received.toString('latin1').includes('\r\n\r\n')) {
        socket.off('data', check);
        resolve();
      }
    };
    socket.on('data', check);
  });
  const interim = received.toString('latin1');
  assert.match(interim, /^HTTP\/1\.1 100 Continue\r\n/, 'the server acknowledges the request head');
  interimLength = interim.indexOf('\r\n\r\n') + 4;
  return { send: () => socket.write(body), response, closed, destroy: () => socket.destroy() };
}

function parseResponse(raw: Buffer): RawResponse {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return { status: undefined, headers: {}, body: text };
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]), headers, body: text.slice(split + 4) };
}

/** Waits (yielding to the event loop, no fixed delay) until the condition holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Resolves with the connection error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function scimUser(name: string): string {
  return JSON.stringify({
    schemas: [USER_SCHEMA],
    externalId: `ext-${name}`,
    userName: `${name}@example.com`,
    active: true,
    displayName: `User ${name}`,
    name: { givenName: name, familyName: 'Tester' },
    emails: [{ value: `${name}@example.com`, type: 'work', primary: true }],
  });
}

/** A managed enterprise's SCIM user creation, held in flight (see `holdRequest`). */
async function holdScimCreate(t: TestApp, name: string): Promise<HeldRequest> {
  const seed = await seedEnterprise(t.ctx, { kind: 'managed' });
  return holdRequest(
    t.url,
    'POST',
    `/scim/v2/enterprises/${seed.enterprise.slug}/Users`,
    { authorization: `Bearer ${seed.ownerToken}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' },
    scimUser(name),
  );
}

describe(`graceful close (${storageKind})`, () => {
  it('keeps Fastify’s connection settings: a kept-alive connection (72 s) carries many requests, and close() ends it', { timeout: 60_000 }, async () => {
    const t = await startTestApp();
    const url = new URL(t.url);
    const socket = net.connect(Number(url.port), url.hostname);
    try {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(`GET /nope HTTP/1.1\r\nhost: ${url.host}\r\n\r\nGET /also-nope HTTP/1.1\r\nhost: ${url.host}\r\n\r\n`);
      await until(() => (text.match(/HTTP\/1\.1 404 Not Found\r\n/g) ?? []).length === 2 && text.endsWith('"status":"404"}'));
      assert.equal((text.match(/\r\nkeep-alive: timeout=72\r\n/gi) ?? []).length, 2, 'the keep-alive timeout Fastify sets on the server it makes');
      assert.equal(socket.destroyed, false, 'both requests went over one connection, still open');
      await t.close();
      await closed;
    } finally {
      socket.destroy();
    }
  });

  it('app.close(): a request in flight completes with its full response, new connections are refused, the store closes after', { timeout: 60_000 }, async () => {
    const t = await startTestApp();
    let held: HeldRequest | undefined;
    try {
      held = await holdScimCreate(t, 'inflight');
      let closed = false;
      const closing = t.app.close().then(() => {
        closed = true;
      });
      await until(() => !t.app.server.listening);
      assert.equal(await tryConnect(Number(new URL(t.url).port)), 'ECONNREFUSED');
      await assert.rejects(fetch(`${t.url}/meta`), (error: Error & { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED');
      assert.equal(closed, false, 'close() waits for the request in flight');

      held.send();
      const res = await held.response;
      assert.equal(res.status, 201, res.body);
      assert.equal(res.headers.connection, 'close', 'the connection ends with the response instead of idling');
      assert.equal(Buffer.byteLength(res.body), Number(res.headers['content-length']), 'the whole body arrived');
      const body = JSON.parse(res.body) as { userName?: string; id?: string };
      assertSchema('ghec', 'POST', '/scim/v2/enterprises/{enterprise}/Users', 201, body, 'application/scim+json');
      assert.equal(body.userName, 'inflight@example.com');

      // The server closes that connection, close() finishes (not after the 72 s keep-alive timeout), and only then
      // is the store closed.
      await held.closed;
      await closing;
      await assert.rejects(t.ctx.db.selectFrom('users').select('id').execute());
    } finally {
      held?.destroy();
      await t.close();
    }
  });

  it('app.close(): a request that does not finish within the grace period is cut off, and close() completes', { timeout: 60_000 }, async () => {
    const graceMs = 300;
    const t = await startTestApp({ shutdownGraceMs: graceMs });
    let held: HeldRequest | undefined;
    try {
      // The body is never sent.
      held = await holdScimCreate(t, 'stalled');
      const started = performance.now();
      await t.app.close();
      const waited = performance.now() - started;
      assert.ok(waited >= graceMs - 5, `close() waited the grace period (${waited.toFixed(0)} ms)`);
      const res = await held.response;
      assert.equal(res.status, undefined, 'the stalled request got no response: its connection was destroyed');
      assert.equal(res.body, '');
      await assert.rejects(t.ctx.db.selectFrom('users').select('id').execute());
    } finally {
      held?.destroy();
      await t.close();
    }
  });

  it('gatehouse serve: SIGTERM lets the request in flight finish, refuses new connections, and exits 0', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shutdown-'));
    const { server, port, out, exited } = await startServe(dir, 'curl ');
    try {
      const adminToken = /site administrator token:\s+(\S+)/.exec(out)?.[1];
      assert.ok(adminToken !== undefined, out);
      const held = await holdRequest(
        `http://127.0.0.1:${port}`,
        'POST',
        '/admin/users',
        { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', accept: 'application/vnd.github+json' },
        JSON.stringify({ login: 'held-during-shutdown', email: 'held@example.com' }),
      );
      server.kill('SIGTERM');
      // The listening socket closes first; only then is the body sent.
      while ((await tryConnect(port)) === 'connected') await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(await tryConnect(port), 'ECONNREFUSED');
      held.send();
      const res = await held.response;
      assert.equal(res.status, 201, res.body);
      assert.equal(res.headers.connection, 'close');
      assert.equal(Buffer.byteLength(res.body), Number(res.headers['content-length']));
      assert.equal((JSON.parse(res.body) as { login?: string }).login, 'held-during-shutdown');
      await held.closed;
      assert.equal(await exited, 0);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
