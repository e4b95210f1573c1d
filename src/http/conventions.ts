/**
 * GitHub's REST conventions, done once for every route: body parsing, `X-GitHub-Api-Version`, authentication,
 * rate-limit headers, and the error and 404 bodies. Installed on the root instance so they apply everywhere.
 */
import crypto from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { authenticateToken, type AuthenticatedToken } from '../domain/accounts/accounts.ts';
import {
  ApiError,
  DEFAULT_DOCS_URL,
  badCredentials,
  bodyNotObject,
  documentationUrlFor,
  invalidRequest,
  nulCharacter,
  problemsParsingJson,
  requiresAuthentication,
  restErrorBody,
} from '../errors/api-error.ts';
import type { AppContext } from '../app-context.ts';
import { nowMs } from '../domain/context.ts';
import { thenMaybe, type MaybePromise } from '../storage/read-cache.ts';
import type { RateLimitState } from './rate-limit.ts';

export const SUPPORTED_API_VERSIONS = ['2026-03-10', '2022-11-28'] as const;
export const DEFAULT_API_VERSION = '2022-11-28';

/** Renders an error from any route; SCIM routes install their own handler and fall back to this for non-SCIM errors. */
export type ErrorRenderer = (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply;

/** Converts a Fastify validation failure to GitHub's 400/422 bodies. */
export function fromValidation(error: FastifyError): ApiError {
  const items = error.validation ?? [];
  const context = error.validationContext ?? 'body';
  if (context === 'body' && items.some((v) => v.instancePath === '' && v.keyword === 'type')) return bodyNotObject();
  const details = items.map((v) => {
    const where = v.instancePath === '' ? context : `${context}${v.instancePath.replace(/\//g, '.')}`;
    if (v.keyword === 'required') return `No subschema in "${where}" matched: missing required key "${String((v.params as { missingProperty?: unknown }).missingProperty)}".`;
    return `For '${where}', the value ${v.message ?? 'is invalid'}.`;
  });
  return invalidRequest(details);
}

/** Maps any thrown value to an ApiError; unknown errors become a logged 500 with no detail leaked. */
export function toApiError(error: unknown, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error;
  const fe = error as Partial<FastifyError>;
  if (fe !== null && typeof fe === 'object' && Array.isArray(fe.validation)) return fromValidation(fe as FastifyError);
  if (fe !== null && typeof fe === 'object' && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
      return problemsParsingJson();
    }
    return new ApiError(fe.statusCode, fe.statusCode === 413 ? 'Request body too large' : 'Bad request', { code: fe.code ?? 'bad_request' });
  }
  request.log.error({ err: error }, 'unhandled error');
  return new ApiError(500, 'Server Error', { code: 'internal' });
}

/**
 * Renders an error in GitHub's REST shape; `documentation_url` is the error's own page, else `page` (the SCIM
 * dialect's), else the route's, else docs.github.com/rest, for the surface answered (`documentationUrlFor`).
 */
export const renderRestError = (error: unknown, request: FastifyRequest, reply: FastifyReply, page?: string): FastifyReply => {
  const apiError = toApiError(error, request);
  for (const [name, value] of Object.entries(apiError.headers)) reply.header(name, value);
  const docs = documentationUrlFor(apiError.documentationUrl ?? page ?? request.routeOptions.config.docs ?? DEFAULT_DOCS_URL, request.url);
  return reply.code(apiError.status).type('application/json; charset=utf-8').send(restErrorBody(apiError, docs));
};

/** Whether a parsed JSON value holds a NUL character (U+0000) in any string or key. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNul(item));
  }
  return false;
}

function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    done(problemsParsingJson());
    return;
  }
  // A raw NUL is not valid JSON; only the `\u0000` escape can put one in a string (checked first: no walk otherwise).
  if (/\\u0000/i.test(body) && holdsNul(parsed)) {
    done(nulCharacter('request body'));
    return;
  }
  done(null, parsed);
}

/** A NUL character in the decoded path or query: `%00` in the URL (a raw NUL byte never passes Node's HTTP parser). */
function urlNulError(url: string): ApiError | undefined {
  if (!url.includes('%00')) return undefined;
  const query = url.indexOf('?');
  return nulCharacter(query >= 0 && url.indexOf('%00') > query ? 'query string' : 'path');
}

function parseAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(bearer|token)\s+(\S+)\s*$/i.exec(header);
  if (match !== null) return match[2];
  const basic = /^\s*basic\s+(\S+)\s*$/i.exec(header);
  if (basic?.[1] !== undefined) {
    // `config.sh --pat` and some scripts send Basic with the token as the password.
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return '';
}

/**
 * `X-GitHub-Request-Id` values in GitHub's shape (colon-separated upper-case hex groups): a random prefix per process,
 * so instances do not collide, then a counter. Unique per request, and no random bytes to draw on the hot path.
 */
export function requestIdSource(): () => string {
  const group = (bytes: number): string => crypto.randomBytes(bytes).toString('hex').toUpperCase();
  const prefix = `${group(2)}:${group(2)}:${group(3)}:`;
  let sequence = 0;
  return () => {
    sequence += 1;
    return prefix + sequence.toString(16).toUpperCase();
  };
}

/** `config.auth` of a route: a token is required (default), optional (used when sent), or not read at all. */
type RouteAuth = boolean | 'optional';

/**
 * The caller's own bucket for one rate-limit resource: per token when a valid one was sent, else per address.
 * Resources are counted apart, as GitHub counts `core` and `scim` apart
 * (https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user).
 * `|` separates, never NUL: with shared limits the key is a PostgreSQL text value, which cannot hold one.
 */
function rateKey(resource: string, request: FastifyRequest): string {
  return request.principal === null ? `${resource}|ip:${request.ip}` : `${resource}|token:${request.principal.tokenId}`;
}

const WINDOW_MS = 3_600_000;
const REPORTED_LIMIT = 5000;

/**
 * The last state the rate limiter reported per bucket, so `GET /rate_limit` (and its own headers) can report a
 * caller's standing without counting ("Accessing this endpoint does not count against your REST API rate limit",
 * https://docs.github.com/rest/rate-limit/rate-limit). Kept beside the limiter because its interface only counts; a
 * bucket not seen in the current one-hour window reports as fresh.
 */
export class ReportedRateLimits {
  private readonly states = new Map<string, RateLimitState>();

  constructor(private readonly limitPerHour: number) {}

  record(key: string, state: RateLimitState): RateLimitState {
    if (this.states.size > 100_000) this.states.clear();
    this.states.set(key, state);
    return state;
  }

  peek(key: string, nowMs: number): RateLimitState {
    const state = this.states.get(key);
    if (state !== undefined && state.reset * 1000 > nowMs) return { ...state, exceeded: false };
    const limit = this.limitPerHour > 0 ? this.limitPerHour : REPORTED_LIMIT;
    const reset = Math.floor((nowMs - (nowMs % WINDOW_MS) + WINDOW_MS) / 1000);
    return { limit, remaining: limit, used: 0, reset, exceeded: false };
  }
}

/** Whether a request URL is on the GitHub Enterprise Server paths: `/api/v3/…`, or the API root `/api/v3` itself. */
export function isEnterpriseServerPath(url: string): boolean {
  return url.startsWith('/api/v3') && (url.length === 7 || url[7] === '/' || url[7] === '?');
}

/**
 * Calls `finish` with the outcome of counting a request: at once when the count was local, after the shared store
 * answered otherwise (src/http/rate-limit.ts).
 */
function settle(outcome: MaybePromise<ApiError | undefined>, finish: (error: Error | undefined) => void): void {
  if (outcome instanceof Promise) outcome.then(finish, (error: unknown) => finish(error as Error));
  else finish(outcome);
}

/** Marks the conventions hook, so a route never gets it twice. */
const CONVENTIONS = Symbol('gatehouse.conventions');

/** Installs the conventions on the root instance; call it before any route is added. */
export function installConventions(app: FastifyInstance, ctx: AppContext): void {
  const publicOrigin = new URL(ctx.config.publicUrl).origin;

  // GitHub reads the body as JSON whatever the content type (curl -d sends form encoding); SCIM's
  // application/scim+json is JSON too.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJsonBody);

  app.decorateRequest('principal', null);
  app.decorateRequest('apiBase', '');

  /**
   * What every response carries, routed requests and 404s alike. Never throws: the unsupported-version error (or the
   * 400 of a NUL character in the path or query) it returns is thrown only after the caller has been identified and counted, so that 400 carries the rate-limit
   * headers (and `X-OAuth-Scopes`) too.
   */
  function begin(request: FastifyRequest, reply: FastifyReply): ApiError | undefined {
    request.apiBase = isEnterpriseServerPath(request.url) ? `${publicOrigin}/api/v3` : ctx.config.publicUrl;
    // Fastify's request id, made by requestIdSource (src/app.ts `genReqId`): the id the request's log lines carry.
    reply.header('x-github-request-id', request.id);
    reply.header('x-github-media-type', 'github.v3; format=json');
    const requested = request.headers['x-github-api-version'];
    const version = Array.isArray(requested) ? requested[0] : requested;
    if (version !== undefined && !(SUPPORTED_API_VERSIONS as readonly string[]).includes(version)) {
      const list = SUPPORTED_API_VERSIONS.map((v, i) => `"${v}"${i === 0 ? ' (most recent)' : ''}`).join(', ');
      return new ApiError(
        400,
        `The version you specified in the "X-GitHub-Api-Version" request header, "${version}", is not a supported version. The following versions are currently supported: ${list}.`,
        { code: 'unsupported_version' },
      );
    }
    reply.header('x-github-api-version-selected', version ?? DEFAULT_API_VERSION);
    return urlNulError(request.url);
  }

  /**
   * Identifies the caller from the `Authorization` header (a valid token, or none), and calls `then` with the
   * principal (undefined when anonymous) and the authentication failure, if any, to report once counted: a missing
   * token is a failure only where the route requires one; a token that is sent but invalid always is (GitHub answers
   * `401 Bad credentials` even on endpoints that need no authentication).
   * Synchronous when the token lookup is (a cached token): no promise on the hot path.
   */
  function identify(
    request: FastifyRequest,
    required: boolean,
    then: (principal: AuthenticatedToken | undefined, failure: ApiError | undefined) => void,
    fail: (error: Error) => void,
  ): void {
    const token = parseAuthorization(request.headers.authorization);
    if (token === undefined) {
      then(undefined, required ? requiresAuthentication() : undefined);
      return;
    }
    const authenticated = token === '' ? undefined : authenticateToken(ctx, token);
    if (authenticated instanceof Promise) {
      authenticated.then((principal) => then(principal, principal === undefined ? badCredentials() : undefined), fail);
      return;
    }
    then(authenticated, authenticated === undefined ? badCredentials() : undefined);
  }

  /**
   * The conventions as an `onRequest` hook of one route, made when the route is added, so its settings (does it
   * authenticate, which rate-limit resource) are read once rather than from `request.routeOptions` on every request
   * (that getter builds a fresh object each time: ~10% of a cached GET). Callback style, not async: on a cached token
   * the hook runs without a promise.
   *
   * Order (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api): the caller is identified and
   * counted first (by token, or by address when there is no valid token), so every response — the 401s, the 400 of
   * an unsupported `X-GitHub-Api-Version` — carries the caller's own `x-ratelimit-*`; then an exceeded limit, the
   * version and the authentication failure are reported, in that order.
   */
  function conventionsHook(auth: RouteAuth, rateResource: string, counted: boolean): onRequestHookHandler {
    const hook: onRequestHookHandler = (request, reply, done) => {
      const versionError = begin(request, reply);
      if (auth === false) {
        // Routes that authenticate their own credentials (the runner side): counted by address.
        settle(account(request, reply, undefined, rateResource, counted), (limited) => done(limited ?? versionError));
        return;
      }
      identify(
        request,
        auth === true,
        (principal, failure) => {
          let outcome: MaybePromise<ApiError | undefined>;
          try {
            outcome = account(request, reply, principal, rateResource, counted);
          } catch (thrown) {
            done(thrown as Error);
            return;
          }
          settle(outcome, (limited) => {
            const error = limited ?? versionError ?? failure;
            if (error === undefined) done();
            else done(error);
          });
        },
        (error) => done(error),
      );
    };
    return Object.assign(hook, { [CONVENTIONS]: true });
  }

  // Every route gets the hook first (the implicit HEAD of a GET route passes here too, with a copy of its options).
  app.addHook('onRoute', (route) => {
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    // Gatehouse's own operations routes (/_gatehouse/health, …) are not GitHub's API: none of this applies.
    if (route.config?.conventions === false || existing.some((hook) => CONVENTIONS in hook)) return;
    const auth = route.config?.auth ?? true;
    route.onRequest = [conventionsHook(auth, route.config?.rateResource ?? 'core', route.config?.rateCounted !== false), ...existing];
  });

  /**
   * Signs the caller in (a valid token: `request.principal` and `X-OAuth-Scopes`) and counts the request against
   * the caller's own bucket for `rateResource`: per token, or per address without a valid one. Returns the 403 for
   * an exceeded limit (enforced only with GATEHOUSE_RATE_LIMIT). `counted: false` reports without counting. A promise
   * only when the count is kept in a shared store.
   */
  function account(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: AuthenticatedToken | undefined,
    rateResource: string,
    counted: boolean,
  ): MaybePromise<ApiError | undefined> {
    if (principal !== undefined) {
      request.principal = principal;
      reply.header('x-oauth-scopes', principal.grantedScopes);
    }
    const key = rateKey(rateResource, request);
    const now = nowMs(ctx.clock);
    if (!counted) return report(request, reply, seen.peek(key, now), rateResource, false);
    return thenMaybe(ctx.rateLimiter.hit(key, now), (state) => report(request, reply, seen.record(key, state), rateResource, true));
  }

  /** The `x-ratelimit-*` headers of `state`, and the 403 when a counted request went over the limit. */
  function report(request: FastifyRequest, reply: FastifyReply, state: RateLimitState, rateResource: string, counted: boolean): ApiError | undefined {
    reply.header('x-ratelimit-limit', state.limit);
    reply.header('x-ratelimit-remaining', state.remaining);
    reply.header('x-ratelimit-used', state.used);
    reply.header('x-ratelimit-reset', state.reset);
    reply.header('x-ratelimit-resource', rateResource);
    if (counted && state.exceeded) {
      return new ApiError(403, `API rate limit exceeded for ${request.principal?.user.login ?? request.ip}.`, { code: 'rate_limited' });
    }
    return undefined;
  }

  const seen = new ReportedRateLimits(ctx.config.rateLimitPerHour);
  app.decorate('rateLimits', {
    peek: (request: FastifyRequest, resource: string) => seen.peek(rateKey(resource, request), nowMs(ctx.clock)),
  });

  app.setErrorHandler((error, request, reply) => renderRestError(error, request, reply));
  /**
   * A response with no route, so no route hook: the same headers, counted against the caller's own bucket (the
   * token's when a valid one is sent, with `X-OAuth-Scopes`; else the address's).
   */
  function answerUnrouted(request: FastifyRequest, reply: FastifyReply, error: ApiError): Promise<FastifyReply> {
    const versionError = begin(request, reply);
    return new Promise<FastifyReply>((resolve) => {
      const render = (failure: unknown): void => {
        resolve(renderRestError(failure, request, reply));
      };
      identify(request, false, (principal) => settle(account(request, reply, principal, 'core', true), (limited) => render(limited ?? versionError ?? error)), render);
    });
  }

  app.setNotFoundHandler((request, reply) => answerUnrouted(request, reply, new ApiError(404, 'Not Found')));
  // Fastify's own refusals before routing (a malformed percent-escape in the path, an over-long parameter), passed
  // here by the `frameworkErrors` option (src/app.ts).
  app.decorate('answerFrameworkError', (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    void answerUnrouted(request, reply, toApiError(error, request));
  });
}
