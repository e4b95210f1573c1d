/**
 * The control API, `/_gatehouse/api/…` (README "Test controls"). Site administrators only, with a token holding the
 * `site_admin` scope; to everyone else, signed in or not, every path is 404, as GitHub answers what a caller may not
 * see. Errors use GitHub's REST error body.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AppContext } from '../app-context.ts';
import { authenticateToken } from '../domain/accounts/accounts.ts';
import { removeStaleRunners } from '../domain/runners/stale.ts';
import { ApiError, bodyNotObject, notFound, validationFailed, type ValidationErrorItem } from '../errors/api-error.ts';
import { parseDuration } from './clock.ts';
import type { FaultRuleInput } from './faults.ts';
import type { TestControls } from './index.ts';
import { matches, type JournalEntry, type JournalFilter } from './journal.ts';
import { SNAPSHOT_NAME, SnapshotError } from './snapshots.ts';

const API = '/_gatehouse/api';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type Body = Record<string, unknown>;

function invalid(resource: string, field: string, message: string): ApiError {
  return validationFailed([{ resource, field, code: 'invalid', message }]);
}

function objectBody(body: unknown, allowEmpty = true): Body {
  if (body === undefined || body === null) {
    if (allowEmpty) return {};
    throw bodyNotObject();
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw bodyNotObject();
  return body as Body;
}

function parseTime(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Query parameters of the journal's list and stream. */
function journalFilter(query: Record<string, string | undefined>): JournalFilter {
  const filter: JournalFilter = {};
  const errors: ValidationErrorItem[] = [];
  if (query.tenant !== undefined && query.tenant !== '') filter.tenant = query.tenant;
  if (query.path_prefix !== undefined && query.path_prefix !== '') filter.pathPrefix = query.path_prefix;
  if (query.method !== undefined && query.method !== '') filter.method = query.method.toUpperCase();
  if (query.status !== undefined && query.status !== '') {
    const klass = /^([1-5])xx$/i.exec(query.status);
    if (klass !== null) filter.status = { klass: Number(klass[1]) };
    else if (/^\d{3}$/.test(query.status) || query.status === '0') filter.status = { exact: Number(query.status) };
    else errors.push({ resource: 'Request', field: 'status', code: 'invalid', message: 'status must be a status code (429) or a class (5xx)' });
  }
  if (query.since !== undefined && query.since !== '') {
    const since = parseTime(query.since);
    if (since === undefined) errors.push({ resource: 'Request', field: 'since', code: 'invalid', message: 'since must be an ISO 8601 time or epoch milliseconds' });
    else filter.since = since;
  }
  if (query.faulted !== undefined && query.faulted !== '') {
    if (query.faulted !== 'true' && query.faulted !== 'false') errors.push({ resource: 'Request', field: 'faulted', code: 'invalid', message: 'faulted must be true or false' });
    else filter.faulted = query.faulted === 'true';
  }
  if (query.cursor !== undefined && query.cursor !== '') {
    if (!/^\d+$/.test(query.cursor)) errors.push({ resource: 'Request', field: 'cursor', code: 'invalid', message: 'cursor must be a value of a previous page\u2019s next' });
    else filter.before = Number(query.cursor);
  }
  if (errors.length > 0) throw validationFailed(errors);
  return filter;
}

export function controlRoutes(app: FastifyInstance, ctx: AppContext, controls: TestControls): void {
  const { journal, faults, snapshots, clock } = controls;
  const config = { auth: false };

  /** Site administrators with `site_admin`; everyone else, signed in or not, gets 404. */
  async function admit(request: FastifyRequest): Promise<void> {
    const match = /^\s*(?:bearer|token)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const principal = match?.[1] === undefined ? undefined : await authenticateToken(ctx, match[1]);
    if (principal === undefined || principal.user.site_admin !== 1 || !principal.scopes.has('site_admin')) throw notFound();
    request.principal = principal;
  }

  // --- request journal ---
  app.get<{ Querystring: Record<string, string | undefined> }>(`${API}/requests`, { config }, async (request) => {
    await admit(request);
    const filter = journalFilter(request.query);
    let limit = 100;
    if (request.query.limit !== undefined && request.query.limit !== '') {
      limit = Number(request.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('Request', 'limit', 'limit must be an integer from 1 to 1000');
    }
    const { entries, more } = journal.list(filter, limit);
    const last = entries.at(-1);
    return { requests: entries.map((e) => e.toJSON()), next: more && last !== undefined ? String(last.id) : null };
  });

  app.delete(`${API}/requests`, { config }, async (request, reply) => {
    await admit(request);
    journal.clear();
    return reply.code(204).send();
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(`${API}/requests/stream`, { config }, async (request, reply) => {
    await admit(request);
    const filter = journalFilter(request.query);
    reply.hijack();
    const raw: ServerResponse = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write(': connected\n\n');
    const send = (entry: JournalEntry): void => {
      if (matches(entry, filter)) raw.write(`id: ${entry.id}\nevent: request\ndata: ${JSON.stringify(entry.toJSON())}\n\n`);
    };
    const unsubscribe = journal.subscribe(send);
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    const end = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(raw);
    };
    streams.add(raw);
    raw.once('close', end);
  });

  // Live streams never end by themselves: close them when the server closes, so it need not wait its grace period.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const raw of streams) raw.end();
    done();
  });

  app.get<{ Params: { id: string } }>(`${API}/requests/:id`, { config }, async (request) => {
    await admit(request);
    const entry = /^\d+$/.test(request.params.id) ? journal.get(Number(request.params.id)) : undefined;
    if (entry === undefined) throw notFound();
    return entry.toJSON();
  });

  // --- fault rules ---
  app.post(`${API}/faults`, { config }, async (request, reply) => {
    await admit(request);
    const body = objectBody(request.body, false);
    const input = faultInput(body);
    return reply.code(201).send(faults.add(input, ctx.clock.now()));
  });

  app.get(`${API}/faults`, { config }, async (request) => {
    await admit(request);
    return { faults: faults.list() };
  });

  app.get<{ Params: { id: string } }>(`${API}/faults/:id`, { config }, async (request) => {
    await admit(request);
    const rule = /^\d+$/.test(request.params.id) ? faults.get(Number(request.params.id)) : undefined;
    if (rule === undefined) throw notFound();
    return rule;
  });

  app.delete<{ Params: { id: string } }>(`${API}/faults/:id`, { config }, async (request, reply) => {
    await admit(request);
    if (!/^\d+$/.test(request.params.id) || !faults.delete(Number(request.params.id))) throw notFound();
    return reply.code(204).send();
  });

  app.delete(`${API}/faults`, { config }, async (request, reply) => {
    await admit(request);
    faults.clear();
    return reply.code(204).send();
  });

  // --- reset and snapshots ---
  app.post(`${API}/reset`, { config }, async (request) => {
    await admit(request);
    const body = objectBody(request.body);
    for (const key of ['demo', 'faults', 'requests', 'clock']) {
      if (body[key] !== undefined && typeof body[key] !== 'boolean') throw invalid('Reset', key, `${key} must be a boolean`);
    }
    const seeded = await snapshots.reset({ demo: body.demo === true });
    if (body.faults === true) faults.clear();
    if (body.requests === true) journal.clear();
    if (body.clock === true) clock.real();
    const siteAdmins = await ctx.db.selectFrom('users').select(({ fn }) => fn.countAll<number>().as('n')).where('site_admin', '=', 1).executeTakeFirstOrThrow();
    return { demo: body.demo === true, tokens: seeded?.tokens ?? [], site_admins_kept: Number(siteAdmins.n) };
  });

  app.post(`${API}/snapshots`, { config }, async (request, reply) => {
    await admit(request);
    const body = objectBody(request.body, false);
    if (body.name === undefined) throw validationFailed([{ resource: 'Snapshot', field: 'name', code: 'missing_field' }]);
    if (typeof body.name !== 'string' || !SNAPSHOT_NAME.test(body.name)) {
      throw invalid('Snapshot', 'name', 'name must be 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    return reply.code(201).send(await snapshots.save(body.name));
  });

  app.get(`${API}/snapshots`, { config }, async (request) => {
    await admit(request);
    return { snapshots: await snapshots.list() };
  });

  app.post<{ Params: { name: string } }>(`${API}/snapshots/:name/restore`, { config }, async (request) => {
    await admit(request);
    try {
      const started = performance.now();
      const restored = await snapshots.restore(request.params.name);
      return { ...restored, duration_ms: Math.round(performance.now() - started) };
    } catch (error) {
      if (error instanceof SnapshotError) throw error.status === 404 ? notFound() : new ApiError(error.status, error.message);
      throw error;
    }
  });

  app.delete<{ Params: { name: string } }>(`${API}/snapshots/:name`, { config }, async (request, reply) => {
    await admit(request);
    if (!(await snapshots.delete(request.params.name))) throw notFound();
    return reply.code(204).send();
  });

  // --- clock ---
  app.get(`${API}/clock`, { config }, async (request) => {
    await admit(request);
    return clock.state();
  });

  app.post(`${API}/clock`, { config }, async (request) => {
    await admit(request);
    const body = objectBody(request.body, false);
    const actions = ['set', 'advance', 'real'].filter((k) => body[k] !== undefined);
    if (body.freeze !== undefined && typeof body.freeze !== 'boolean') throw invalid('Clock', 'freeze', 'freeze must be a boolean');
    if (actions.length > 1) throw validationFailed([`give one of set, advance or real, not ${actions.join(' and ')}`]);
    if (actions.length === 0 && body.freeze === undefined) throw validationFailed([{ resource: 'Clock', field: 'set', code: 'missing_field', message: 'give one of set, advance, real or freeze' }]);
    if (body.set !== undefined) {
      const ms = typeof body.set === 'string' && /^\d{4}-\d{2}-\d{2}/.test(body.set) ? Date.parse(body.set) : Number.NaN;
      if (Number.isNaN(ms)) throw invalid('Clock', 'set', 'set must be an ISO 8601 time such as 2026-12-01T00:00:00Z');
      clock.set(ms, body.freeze === true);
    } else if (body.advance !== undefined) {
      const ms = parseDuration(body.advance);
      if (ms === undefined) throw invalid('Clock', 'advance', 'advance must be milliseconds or a duration such as 15d, 2h30m, 90s');
      clock.advance(ms);
      if (body.freeze !== undefined) clock.freeze(body.freeze);
    } else if (body.real !== undefined) {
      if (body.real !== true) throw invalid('Clock', 'real', 'real must be true');
      clock.real();
    } else clock.freeze(body.freeze === true);
    // What follows the clock at once: runners past their retention are removed now rather than at the next hourly sweep.
    const removed = await removeStaleRunners(ctx);
    return { ...clock.state(), removed_runners: removed };
  });
}

function faultInput(body: Body): FaultRuleInput {
  const errors: ValidationErrorItem[] = [];
  const bad = (field: string, message: string): void => {
    errors.push({ resource: 'Fault', field, code: 'invalid', message });
  };
  const int = (field: string, min: number, max: number): number | undefined => {
    const v = body[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      bad(field, `${field} must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return v;
  };
  const text = (field: string): string | undefined => {
    const v = body[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') {
      bad(field, `${field} must be a non-empty string`);
      return undefined;
    }
    return v;
  };
  const known = new Set(['method', 'path', 'tenant', 'token', 'status', 'delay_ms', 'drop', 'times', 'probability', 'retry_after']);
  for (const key of Object.keys(body)) if (!known.has(key)) bad(key, `unknown field ${key}`);
  if (body.path === undefined) errors.push({ resource: 'Fault', field: 'path', code: 'missing_field' });
  const path = text('path');
  if (path !== undefined && !path.startsWith('/')) bad('path', 'path must start with /');
  const method = text('method');
  if (method !== undefined && !METHODS.has(method.toUpperCase())) bad('method', `method must be one of ${[...METHODS].join(', ')}`);
  const status = int('status', 400, 599);
  const delay = int('delay_ms', 0, 600_000);
  const times = int('times', 1, 1_000_000);
  const retryAfter = int('retry_after', 0, 86_400);
  if (body.drop !== undefined && typeof body.drop !== 'boolean') bad('drop', 'drop must be a boolean');
  let probability: number | undefined;
  if (body.probability !== undefined) {
    if (typeof body.probability !== 'number' || !(body.probability > 0 && body.probability <= 1)) bad('probability', 'probability must be a number above 0 and at most 1');
    else probability = body.probability;
  }
  if (body.drop === true && status !== undefined) bad('drop', 'a rule either drops the connection or answers with a status, not both');
  if (errors.length === 0 && status === undefined && body.drop !== true && (delay ?? 0) === 0) {
    errors.push({ resource: 'Fault', field: 'status', code: 'missing_field', message: 'a rule needs status, delay_ms or drop' });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return {
    path: path as string,
    ...(method !== undefined ? { method } : {}),
    ...(body.tenant !== undefined ? { tenant: text('tenant') as string } : {}),
    ...(body.token !== undefined ? { token: text('token') as string } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(delay !== undefined ? { delay_ms: delay } : {}),
    ...(body.drop === true ? { drop: true } : {}),
    ...(times !== undefined ? { times } : {}),
    ...(probability !== undefined ? { probability } : {}),
    ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}),
  };
}
