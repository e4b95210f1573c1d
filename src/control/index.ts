/**
 * Test controls: the request journal, fault rules, reset and snapshots, and the settable clock, served under
 * `/_gatehouse/api/…` to site administrators (README "Test controls"). Installed by `buildApp` unless
 * `config.testControls` is off, in which case none of this exists and every `/_gatehouse/api` path is 404.
 *
 * Three root hooks carry the per-request work: `onRequest` notes where the audit log stands and applies fault rules
 * (a length check when there are none), `onSend` keeps a reference to the payload, `onResponse` appends the journal
 * entry. Requests to `/_gatehouse/` itself are neither journaled nor faulted.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { observeAudits } from '../domain/audit.ts';
import { nowMs } from '../domain/context.ts';
import { requestIdSource } from '../http/conventions.ts';
import type { ServerClock } from './clock.ts';
import { faultBody, FaultRules, type FaultRule } from './faults.ts';
import { boundBody, Journal, type FaultMark } from './journal.ts';
import { controlRoutes } from './routes.ts';
import { Snapshots } from './snapshots.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The audit sequence when the request arrived (journal attribution of the changes it caused). */
    controlAuditSeq: number;
    /** When the request arrived, by the server clock. */
    controlStart: number;
    /** The payload sent, kept for the journal. */
    controlPayload: unknown;
    /** The fault rule applied to the request, if any. */
    controlFault: FaultMark | null;
  }
}

export interface TestControls {
  readonly clock: ServerClock;
  readonly journal: Journal;
  readonly faults: FaultRules;
  readonly snapshots: Snapshots;
}

export const CONTROL_PREFIX = '/_gatehouse/';

const isControl = (url: string): boolean => url.charCodeAt(1) === 95 /* _ */ && url.startsWith(CONTROL_PREFIX);

const TENANT_IN_PATH = /\/(?:enterprises|organizations|orgs)\/([^/?#]+)/;

function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return /^\s*(?:bearer|token|remoteauth)\s+(\S+)\s*$/i.exec(header)?.[1];
}

export function installTestControls(app: FastifyInstance, ctx: AppContext, clock: ServerClock): TestControls {
  const journal = new Journal(ctx.config.journalSize);
  const faults = new FaultRules();
  const snapshots = new Snapshots(ctx);
  const controls: TestControls = { clock, journal, faults, snapshots };
  observeAudits(ctx.clock, (rows) => journal.observeAudits(rows));
  const nextRequestId = requestIdSource();

  app.decorateRequest('controlAuditSeq', 0);
  app.decorateRequest('controlStart', 0);
  app.decorateRequest('controlPayload', null);
  app.decorateRequest('controlFault', null);

  function sendFault(reply: FastifyReply, rule: FaultRule, status: number): void {
    const requestId = nextRequestId();
    const now = nowMs(ctx.clock);
    reply.header('x-github-request-id', requestId);
    reply.header('x-github-media-type', 'github.v3; format=json');
    if (rule.retry_after !== null) reply.header('retry-after', String(rule.retry_after));
    if (status === 429 || status === 403) {
      // GitHub's secondary rate limit: Retry-After, and the primary limit's headers as usual
      // (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
      reply.header('x-ratelimit-limit', '5000');
      reply.header('x-ratelimit-remaining', '0');
      reply.header('x-ratelimit-used', '5000');
      reply.header('x-ratelimit-reset', String(Math.ceil(now / 1000) + (rule.retry_after ?? 60)));
      reply.header('x-ratelimit-resource', 'core');
    }
    void reply.code(status).type('application/json; charset=utf-8').send(faultBody(status, requestId));
  }

  app.addHook('onRequest', (request, reply, done) => {
    request.controlAuditSeq = journal.auditSeq;
    request.controlStart = nowMs(ctx.clock);
    if (faults.size === 0 || isControl(request.url)) {
      done();
      return;
    }
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const params = request.params as Record<string, unknown> | undefined;
    const named = params?.enterprise ?? params?.org;
    const tenant = typeof named === 'string' ? named : (TENANT_IN_PATH.exec(path)?.[1] ?? null);
    const rule = faults.fire({ method: request.method, path, tenant, token: bearer(request.headers.authorization) });
    if (rule === undefined) {
      done();
      return;
    }
    const act = (): void => {
      if (rule.drop) {
        request.controlFault = { rule: rule.id, action: 'drop' };
        journal.add({
          time: request.controlStart,
          durationMs: reply.elapsedTime,
          method: request.method,
          url: request.url,
          status: 0,
          requestHeaders: request.headers,
          requestBody: undefined,
          response: {},
          payload: undefined,
          userId: null,
          user: null,
          params: request.params,
          faulted: request.controlFault,
          audit: undefined,
        });
        request.raw.socket.destroy();
        return;
      }
      if (rule.status !== null) {
        request.controlFault = { rule: rule.id, action: 'status' };
        sendFault(reply, rule, rule.status);
        return;
      }
      request.controlFault = { rule: rule.id, action: 'delay' };
      done();
    };
    if (rule.delay_ms !== null && rule.delay_ms > 0) setTimeout(act, rule.delay_ms);
    else act();
  });

  app.addHook('onSend', (request, _reply, payload, done) => {
    request.controlPayload = payload;
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (!isControl(request.url)) {
      const principal = request.principal;
      const userId = principal === null ? null : principal.user.id;
      journal.add({
        time: request.controlStart,
        durationMs: reply.elapsedTime,
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        requestHeaders: request.headers,
        requestBody: boundBody(request.body, request.headers['content-length']),
        response: reply.getHeaders(),
        payload: boundBody(request.controlPayload, undefined),
        userId,
        user: principal === null ? null : principal.user.login,
        params: request.params,
        faulted: request.controlFault,
        audit: journal.auditSeq === request.controlAuditSeq ? undefined : journal.auditsSince(request.controlAuditSeq, userId),
      });
    }
    done();
  });

  controlRoutes(app, ctx, controls);
  return controls;
}
