/**
 * The SCIM surface's error renderer, installed with `setErrorHandler` on the SCIM route plugin (STYLE.md §3 item 7):
 * - `ScimError` → RFC 7644 §3.12 body in GitHub's `scim-error` shape (`status` an integer, `scimType`), as
 *   `application/scim+json`; a 404 is GitHub's `basic-error` (`{message: "Not Found", documentation_url,
 *   status: "404"}`, application/json) when the dialect says so (enterprise and instance SCIM, openapi-contract.md
 *   §5), with RFC 7644's `schemas` and `detail` added (the schema allows them; IdPs check them, idp-quirks.md X2);
 * - the REST conventions' `ApiError`s by code: `invalid_json` → 400 `invalidSyntax`, `rate_limited` → 429,
 *   `unsupported_version` → 400 `invalidVers`, 422s → 400 `invalidValue`; 401, 403 and 404 stay GitHub's plain
 *   errors (no SCIM body is documented for them);
 * - anything else is a logged 500 with a SCIM body, never a 4xx.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors/api-error.ts';
import { renderRestError, toApiError } from '../../http/conventions.ts';
import { ERROR_SCHEMA, ScimError, toScimErrorBody } from '../engine/index.ts';
import type { ScimDialect } from '../dialects/dialect.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

function fromApiError(error: ApiError): ScimError | ApiError {
  switch (error.code) {
    case 'invalid_json':
      return ScimError.invalidSyntax(error.message);
    case 'rate_limited':
      return new ScimError(429, error.message);
    case 'unsupported_version':
      return ScimError.invalidVers(error.message);
    default:
      break;
  }
  if (error.status === 401 || error.status === 403 || error.status === 404) return error;
  if (error.status === 422) return ScimError.invalidValue(error.message);
  if (error.status === 409) return ScimError.uniqueness(error.message);
  if (error.status === 400) return ScimError.invalidSyntax(error.message);
  return new ScimError(error.status, error.status >= 500 ? 'Internal server error' : error.message);
}

/**
 * Renders any error of a SCIM route.
 *
 * @param dialect - the dialect that handled the request, when it was resolved (its docs URL and 404 style)
 */
export function renderScimError(error: unknown, request: FastifyRequest, reply: FastifyReply, dialect: ScimDialect | undefined): FastifyReply {
  let scim: ScimError | ApiError;
  if (error instanceof ScimError) scim = error;
  else scim = fromApiError(toApiError(error, request));
  if (scim instanceof ApiError) {
    // Keep the rate-limit and scope headers the conventions set; the body is GitHub's.
    return renderRestError(scim, request, reply);
  }
  if (scim.status === 404 && (dialect === undefined || dialect.notFound === 'basic-error')) {
    // GitHub's `basic-error` (`status` a string, as RFC 7644 §3.12 also has it), plus the RFC's `schemas` and
    // `detail`, which the schema allows and Okta's SPEC test and Entra's validator look for (idp-quirks.md X2).
    return reply
      .code(404)
      .type('application/json; charset=utf-8')
      .send({ message: 'Not Found', documentation_url: dialect?.docsUrl ?? request.routeOptions.config.docs, status: '404', schemas: [ERROR_SCHEMA], detail: scim.detail });
  }
  const docs = dialect?.docsUrl ?? request.routeOptions.config.docs;
  return reply.code(scim.status).type(SCIM_CONTENT_TYPE).send(toScimErrorBody(scim, docs));
}
