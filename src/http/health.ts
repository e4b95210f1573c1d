/**
 * Liveness and readiness for load balancers and orchestrators. Not GitHub routes: served at the root only (no
 * `/api/v3` twin), without authentication or a rate-limit count, and their bodies say nothing beyond the verdict.
 *
 * - `GET /_gatehouse/health`: 200 while the process answers HTTP at all.
 * - `GET /_gatehouse/ready`: 200 when the store answers and every bundled migration has been applied; 503 otherwise
 *   (store unreachable or slower than `READY_TIMEOUT_MS`, schema behind this build). The reason goes to the log.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/tables.ts';
import { pendingMigrations } from '../storage/migrations/index.ts';

export const HEALTH_PATH = '/_gatehouse/health';
export const READY_PATH = '/_gatehouse/ready';

/** A probe that waits longer than this is itself a failure: the balancer should try another instance. */
const READY_TIMEOUT_MS = 2_000;

const verdict = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' } },
  additionalProperties: false,
} as const;

async function storeIsReady(db: Kysely<Database>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`store did not answer within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
  });
  const check = pendingMigrations(db).then(
    (pending) => (pending.length === 0 ? undefined : `migrations not applied: ${pending.join(', ')}`),
    (error: unknown) => `store unavailable: ${error instanceof Error ? error.message : String(error)}`,
  );
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Registers both probes on the root instance. */
export function healthRoutes(app: FastifyInstance, db: Kysely<Database>): void {
  app.get(
    HEALTH_PATH,
    {
      config: { conventions: false },
      schema: { summary: 'Liveness (Gatehouse operations endpoint)', response: { 200: { description: 'The process is up', ...verdict } } },
    },
    async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );

  app.get(
    READY_PATH,
    {
      config: { conventions: false },
      schema: {
        summary: 'Readiness (Gatehouse operations endpoint)',
        response: {
          200: { description: 'The store answers and its schema is current', ...verdict },
          503: { description: 'The store does not answer, or migrations are pending', ...verdict },
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const problem = await storeIsReady(db);
      if (problem === undefined) return reply.code(200).send({ status: 'ready' });
      request.log.warn({ problem }, 'not ready');
      return reply.code(503).send({ status: 'unavailable' });
    },
  );
}
