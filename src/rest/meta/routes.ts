/**
 * The API's own documents: the root (`GET /`, and `GET /api/v3/` on a GitHub Enterprise Server host, which is what
 * `gh auth status` calls), `GET /rate_limit` and `GET /meta`. None needs a token; a token that is sent is used (its
 * scopes in `X-OAuth-Scopes`, its own rate-limit buckets) and an invalid one is `401 Bad credentials`, as on GitHub.
 */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_API_VERSION, isEnterpriseServerPath } from '../../http/conventions.ts';
import { responses } from '../../http/openapi.ts';

/** The GitHub Enterprise Server release whose REST description Gatehouse follows (reported as `installed_version`). */
export const GHES_COMPATIBLE_VERSION = '3.19.0';

/** The rate-limit resources Gatehouse counts (`x-ratelimit-resource`), plus `search`, which the schema requires. */
const RATE_RESOURCES = ['core', 'search', 'scim', 'actions_runner_registration'] as const;

/**
 * The root document: GitHub's "hypermedia" index of URL templates (https://docs.github.com/rest/meta/meta#github-api-root).
 * It lists only the templates whose endpoints Gatehouse serves, so every URL it names resolves: GitHub's index also
 * names search, gists, notifications and repository endpoints, which Gatehouse does not have.
 */
function rootDocument(apiBase: string): Record<string, string> {
  return {
    current_user_url: `${apiBase}/user`,
    organization_url: `${apiBase}/orgs/{org}`,
    organization_repositories_url: `${apiBase}/orgs/{org}/repos{?type,page,per_page,sort}`,
    organization_teams_url: `${apiBase}/orgs/{org}/teams`,
    rate_limit_url: `${apiBase}/rate_limit`,
    user_url: `${apiBase}/users/{user}`,
  };
}

export function metaRoutes(app: FastifyInstance): void {
  const optional = { auth: 'optional' as const, docs: 'https://docs.github.com/rest/meta/meta' };

  // Registered under the `/api/v3` prefix this route is both `/api/v3` and `/api/v3/` (Fastify's default
  // `prefixTrailingSlash: 'both'`): GitHub Enterprise Server's API root answers with the slash, and every
  // `app.url` Gatehouse emits names it without. At the root prefix it is `GET /`. Elsewhere a trailing slash is 404.
  app.get('/', { schema: { response: responses(200) }, config: { ...optional, docs: 'https://docs.github.com/rest/meta/meta#github-api-root' } }, async (request) => rootDocument(request.apiBase));

  // https://docs.github.com/enterprise-server@3.19/rest/meta/meta#get-github-enterprise-server-meta-information
  // GitHub Enterprise Server reports its installed version here; api.github.com style (the root) has no such field.
  app.get('/meta', { schema: { response: responses(200) }, config: { ...optional, docs: 'https://docs.github.com/rest/meta/meta#get-github-meta-information' } }, async (request) => {
    const body: Record<string, unknown> = { verifiable_password_authentication: false };
    if (isEnterpriseServerPath(request.url)) body.installed_version = GHES_COMPATIBLE_VERSION;
    return body;
  });

  // https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user
  // "Accessing this endpoint does not count against your REST API rate limit": reported, not counted. `rate` (the
  // `core` figures again) is gone from API version 2026-03-10
  // (https://docs.github.com/rest/about-the-rest-api/breaking-changes).
  app.get(
    '/rate_limit',
    { schema: { response: responses(200) }, config: { auth: 'optional', rateCounted: false, docs: 'https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user' } },
    async (request) => {
      const resources: Record<string, unknown> = {};
      for (const resource of RATE_RESOURCES) {
        const { limit, used, remaining, reset } = app.rateLimits.peek(request, resource);
        resources[resource] = { limit, used, remaining, reset };
      }
      const version = request.headers['x-github-api-version'] ?? DEFAULT_API_VERSION;
      return version === '2026-03-10' ? { resources } : { resources, rate: resources.core };
    },
  );
}
