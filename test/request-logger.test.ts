/**
 * The per-request logger stand-in (src/http/request-logger.ts): a request that logs writes exactly what pino's own
 * child would (bindings, level, message); one that never logs never builds a child.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lazyChildLoggerFactory } from '../src/http/request-logger.ts';
import { startServe } from './helpers/serve.ts';

function capture(): { logger: FastifyBaseLogger; lines: () => Array<Record<string, unknown>>; children: () => number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  // Fastify's own pino, as buildApp configures it.
  const logger = Fastify({ logger: { level: 'info', stream } }).log;
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((bindings, options) => {
    children += 1;
    return child(bindings, options);
  }) as FastifyBaseLogger['child'];
  return {
    logger,
    lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
    children: () => children,
  };
}

describe('lazy request logger', () => {
  it('builds no child for a request that does not log', () => {
    const { logger, children } = capture();
    lazyChildLoggerFactory(logger, { reqId: 'req-1' }, {});
    assert.equal(children(), 0);
  });

  it('logs with the request bindings, honours levels, and builds the child once', async () => {
    const { logger, lines, children } = capture();
    const log = lazyChildLoggerFactory(logger, { reqId: 'req-7' }, {});
    log.debug('not at info');
    log.error({ err: new Error('boom') }, 'unhandled error');
    log.info('second');
    await new Promise((resolve) => setImmediate(resolve));
    const out = lines();
    assert.equal(out.length, 2);
    assert.equal(out[0]?.reqId, 'req-7');
    assert.equal(out[0]?.msg, 'unhandled error');
    assert.equal(out[0]?.level, 50);
    assert.equal((out[0]?.err as { message?: string }).message, 'boom');
    assert.equal(out[1]?.msg, 'second');
    assert.equal(children(), 1);
    assert.equal(log.level, 'info');
  });

  it('passes the route log level on to the child', async () => {
    const { logger, lines } = capture();
    const log = lazyChildLoggerFactory(logger, { reqId: 'req-9' }, { level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(lines().map((l) => l.msg), ['shown']);
  });
});

describe('request log lines of gatehouse serve', () => {
  it('are written at debug, the level they are printed at, with the X-GitHub-Request-Id of their request', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-log-'));
    const { server, port, out, exited } = await startServe(data, 'listening', ['--log-level', 'debug', '--no-demo']);
    let stdout = out;
    server.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const ids: string[] = [];
      for (const url of ['/enterprises/acme/actions/runners', '/api/v3/no/such/route']) {
        const res = await fetch(`http://127.0.0.1:${port}${url}`);
        ids.push(res.headers.get('x-github-request-id') ?? '');
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; reqId?: string; res?: { statusCode: number } });
      const requestLines = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
      assert.equal(requestLines.length, 4, stdout);
      assert.ok(requestLines.every((l) => l.level === 20), 'debug (20), not info (30)');
      assert.deepEqual(
        requestLines.map((l) => [l.msg, l.reqId, l.res?.statusCode]),
        [
          ['incoming request', ids[0], undefined],
          ['request completed', ids[0], 401],
          ['incoming request', ids[1], undefined],
          ['request completed', ids[1], 404],
        ],
      );
      assert.match(ids[0] ?? '', /^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]+$/);
      assert.notEqual(ids[0], ids[1]);
    } finally {
      server.kill('SIGTERM');
      await exited;
      fs.rmSync(data, { recursive: true, force: true });
    }
  });
});
