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
  invalidRequest,
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

export const renderRestError: ErrorRenderer = (error, request, reply) => {
  const apiError = toApiError(error, request);
  for (const [name, value] of Object.entries(apiError.headers)) reply.header(name, value);
  const docs = request.routeOptions.config.docs ?? DEFAULT_DOCS_URL;
  return reply.code(apiError.status).type('application/json; charset=utf-8').send(restErrorBody(apiError, docs));
};

function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void): void {
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, JSON.parse(body));
  } catch {
    done(problemsParsingJson());
  }
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

/** Calls `done` once a count has been taken, with its error if it refused the request. */
function afterCount(counted: MaybePromise<void>, done: (error?: Error) => void): void {
  if (counted instanceof Promise) counted.then(() => done(), done);
  else done();
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

  const nextRequestId = requestIdSource();

  /** What every response carries, and the API version check: for routed requests and 404s alike. */
  function begin(request: FastifyRequest, reply: FastifyReply): void {
    request.apiBase = request.url.startsWith('/api/v3/') ? `${publicOrigin}/api/v3` : ctx.config.publicUrl;
    reply.header('x-github-request-id', nextRequestId());
    reply.header('x-github-media-type', 'github.v3; format=json');
    const requested = request.headers['x-github-api-version'];
    const version = Array.isArray(requested) ? requested[0] : requested;
    if (version !== undefined && !(SUPPORTED_API_VERSIONS as readonly string[]).includes(version)) {
      const list = SUPPORTED_API_VERSIONS.map((v, i) => `"${v}"${i === 0 ? ' (most recent)' : ''}`).join(', ');
      throw new ApiError(
        400,
        `The version you specified in the "X-GitHub-Api-Version" request header, "${version}", is not a supported version. The following versions are currently supported: ${list}.`,
        { code: 'unsupported_version' },
      );
    }
    reply.header('x-github-api-version-selected', version ?? DEFAULT_API_VERSION);
  }

  /**
   * The conventions as an `onRequest` hook of one route, made when the route is added, so its settings (does it
   * authenticate, which rate-limit resource) are read once rather than from `request.routeOptions` on every request
   * (that getter builds a fresh object each time: ~10% of a cached GET). Callback style, not async: on a cached token
   * the hook runs without a promise.
   */
  function conventionsHook(auth: boolean, rateResource: string): onRequestHookHandler {
    const hook: onRequestHookHandler = (request, reply, done) => {
      begin(request, reply);
      if (!auth) {
        afterCount(countRequest(request, reply, `ip:${request.ip}`, rateResource), done);
        return;
      }
      const token = parseAuthorization(request.headers.authorization);
      if (token === undefined) throw requiresAuthentication();
      const authenticated = token === '' ? undefined : authenticateToken(ctx, token);
      if (authenticated instanceof Promise) {
        authenticated.then((principal) => {
          let signedIn: MaybePromise<void>;
          try {
            signedIn = signIn(request, reply, principal, rateResource);
          } catch (error) {
            done(error as Error);
            return;
          }
          afterCount(signedIn, done);
        }, done);
        return;
      }
      afterCount(signIn(request, reply, authenticated, rateResource), done);
    };
    return Object.assign(hook, { [CONVENTIONS]: true });
  }

  // Every route gets the hook first (the implicit HEAD of a GET route passes here too, with a copy of its options).
  app.addHook('onRoute', (route) => {
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    if (route.config?.conventions === false || existing.some((hook) => CONVENTIONS in hook)) return;
    route.onRequest = [conventionsHook(route.config?.auth !== false, route.config?.rateResource ?? 'core'), ...existing];
  });

  function signIn(request: FastifyRequest, reply: FastifyReply, principal: AuthenticatedToken | undefined, rateResource: string): MaybePromise<void> {
    if (principal === undefined) throw badCredentials();
    request.principal = principal;
    reply.header('x-oauth-scopes', principal.grantedScopes);
    return countRequest(request, reply, `token:${principal.tokenId}`, rateResource);
  }

  /** Counts the request; a promise only when the count is kept in a shared store (src/http/rate-limit.ts). */
  function countRequest(request: FastifyRequest, reply: FastifyReply, rateKey: string, rateResource: string): MaybePromise<void> {
    return thenMaybe(ctx.rateLimiter.hit(rateKey, nowMs(ctx.clock)), (state) => reportRate(request, reply, state, rateResource));
  }

  function reportRate(request: FastifyRequest, reply: FastifyReply, state: RateLimitState, rateResource: string): void {
    reply.header('x-ratelimit-limit', state.limit);
    reply.header('x-ratelimit-remaining', state.remaining);
    reply.header('x-ratelimit-used', state.used);
    reply.header('x-ratelimit-reset', state.reset);
    reply.header('x-ratelimit-resource', rateResource);
    if (state.exceeded) {
      throw new ApiError(403, `API rate limit exceeded for ${request.principal?.user.login ?? request.ip}.`, { code: 'rate_limited' });
    }
  }

  app.setErrorHandler((error, request, reply) => renderRestError(error, request, reply));
  // No route, so no route hook: the 404 carries the same headers and counts against the caller's address.
  app.setNotFoundHandler((request, reply) => {
    begin(request, reply);
    return thenMaybe(countRequest(request, reply, `ip:${request.ip}`, 'core'), () => renderRestError(new ApiError(404, 'Not Found'), request, reply));
  });
}
