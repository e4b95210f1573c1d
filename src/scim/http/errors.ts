/**
 * The SCIM surface's error renderer, installed with `setErrorHandler` on the SCIM route plugin (STYLE.md §3 item 7):
 * - `ScimError` → RFC 7644 §3.12 body in GitHub's `scim-error` shape (`status` an integer, `scimType`), as
 *   `application/scim+json`; a 404 is GitHub's `basic-error` (`{message: "Not Found", documentation_url,
 *   status: "404"}`, application/json) when the dialect says so (enterprise and instance SCIM, openapi-contract.md
 *   §5), with RFC 7644's `schemas` and `detail` added (the schema allows them; IdPs check them, idp-quirks.md X2),
 *   and so is any status the dialect documents as `basic-error` for the operation (`ScimDialect.basicErrors`:
 *   organization SCIM's PATCH 429);
 * - the dialect is the one that handled the request, or, for an error raised before it was resolved (the rate
 *   limit, authentication and `X-GitHub-Api-Version`, checked in the REST conventions' `onRequest`), the mount's
 *   fixed dialect, found from the route that matched;
 * - the REST conventions' `ApiError`s by code: `invalid_json` → 400 `invalidSyntax`, `nul_character` → 400
 *   `invalidValue`, `rate_limited` → 429,
 *   `unsupported_version` → 400 `invalidVers`, 422s → 400 `invalidValue`; 401, 403 and 404 stay GitHub's plain
 *   errors (no SCIM body is documented for them);
 * - anything else is a logged 500 with a SCIM body, never a 4xx;
 * - `documentation_url` is the dialect's reference page (organization SCIM's, or enterprise SCIM's), on the surface
 *   answered: under `/api/v3`, the GitHub Enterprise Server page where GHES has one (`documentationUrlFor`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, documentationUrlFor } from '../../errors/api-error.ts';
import { renderRestError, toApiError } from '../../http/conventions.ts';
import { DEFAULT_DOCUMENTATION_URL, ERROR_SCHEMA, ScimError, toScimErrorBody } from '../engine/index.ts';
import type { ScimDialect } from '../dialects/dialect.ts';
import { SCIM_MOUNTS, type ScimMount } from '../dialects/mounts.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

function fromApiError(error: ApiError): ScimError | ApiError {
  switch (error.code) {
    case 'invalid_json':
      return ScimError.invalidSyntax(error.message);
    case 'rate_limited':
      return new ScimError(429, error.message);
    case 'unsupported_version':
      return ScimError.invalidVers(error.message);
    case 'nul_character':
      return ScimError.invalidValue(error.message);
    default:
      break;
  }
  if (error.status === 401 || error.status === 403 || error.status === 404) return error;
  if (error.status === 422) return ScimError.invalidValue(error.message);
  if (error.status === 409) return ScimError.uniqueness(error.message);
  if (error.status === 400) return ScimError.invalidSyntax(error.message);
  return new ScimError(error.status, error.status >= 500 ? 'Internal server error' : error.message);
}

const API_PREFIX = '/api/v3';

/** The mount a SCIM route belongs to and the operation below it (`PATCH /Users/:scim_user_id`), from the route that matched. */
function routeOf(request: FastifyRequest): { mount: ScimMount; operation: string } | undefined {
  let url = request.routeOptions.url;
  if (url === undefined) return undefined;
  if (url.startsWith(`${API_PREFIX}/`)) url = url.slice(API_PREFIX.length);
  let found: ScimMount | undefined;
  // `/scim/v2` is a prefix of the other mounts' prefixes: the longest match is the mount.
  for (const mount of SCIM_MOUNTS) {
    if (url.startsWith(`${mount.prefix}/`) && (found === undefined || mount.prefix.length > found.prefix.length)) found = mount;
  }
  return found === undefined ? undefined : { mount: found, operation: `${request.method} ${url.slice(found.prefix.length)}` };
}

/**
 * Renders any error of a SCIM route.
 *
 * @param resolved - the dialect that handled the request, when it was resolved (its docs URL and error styles)
 */
export function renderScimError(error: unknown, request: FastifyRequest, reply: FastifyReply, resolved: ScimDialect | undefined): FastifyReply {
  let scim: ScimError | ApiError;
  if (error instanceof ScimError) scim = error;
  else scim = fromApiError(toApiError(error, request));
  const route = routeOf(request);
  const dialect = resolved ?? route?.mount.dialect;
  if (scim instanceof ApiError) {
    // Keep the rate-limit and scope headers the conventions set; the body is GitHub's, with the dialect's page.
    return renderRestError(scim, request, reply, dialect?.docsUrl);
  }
  const docs = documentationUrlFor(dialect?.docsUrl ?? request.routeOptions.config.docs ?? DEFAULT_DOCUMENTATION_URL, request.url);
  const basic =
    (scim.status === 404 && (dialect === undefined || dialect.notFound === 'basic-error')) ||
    (dialect !== undefined && route !== undefined && dialect.basicErrors[route.operation]?.includes(scim.status) === true);
  if (basic) {
    // GitHub's `basic-error` (`status` a string, as RFC 7644 §3.12 also has it), plus the RFC's `schemas` and
    // `detail`, which the schema allows and Okta's SPEC test and Entra's validator look for (idp-quirks.md X2).
    return reply
      .code(scim.status)
      .type('application/json; charset=utf-8')
      .send({ message: scim.status === 404 ? 'Not Found' : scim.detail, documentation_url: docs, status: String(scim.status), schemas: [ERROR_SCHEMA], detail: scim.detail });
  }
  return reply.code(scim.status).type(SCIM_CONTENT_TYPE).send(toScimErrorBody(scim, docs));
}
