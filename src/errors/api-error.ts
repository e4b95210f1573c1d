/**
 * Errors the REST surface renders in GitHub's shapes (`basic-error`, `validation-error`, `validation-error-simple`).
 * Services throw these; one error handler per API surface renders them (SCIM has its own renderer).
 */

export const DEFAULT_DOCS_URL = 'https://docs.github.com/rest';

/**
 * The GitHub Enterprise Server release whose REST reference errors under `/api/v3` point at: the newest GHES
 * description in GitHub's OpenAPI (`@octokit/openapi` `generated/ghes-3.19.json`, whose operations' `externalDocs`
 * read `https://docs.github.com/enterprise-server@3.19/rest/…`).
 */
export const GHES_DOCS_VERSION = '3.19';

const CLOUD_DOCS = 'https://docs.github.com/enterprise-cloud@latest/';
const DOTCOM_REST_DOCS = 'https://docs.github.com/rest';
const GHES_DOCS = `https://docs.github.com/enterprise-server@${GHES_DOCS_VERSION}/`;

/**
 * Reference pages GitHub Enterprise Server has no counterpart of (operations only Enterprise Cloud serves, absent from
 * the GHES description): organization SCIM, the enhanced billing usage reports and the legacy enterprise billing.
 * Under `/api/v3` their errors keep the Enterprise Cloud page rather than point at a page that does not exist.
 */
const CLOUD_ONLY_PAGES = ['rest/scim/scim', 'rest/billing/', 'rest/enterprise-admin/billing'];

/** Whether a request came in under `/api/v3`, the GitHub Enterprise Server surface. */
export function isServerSurface(path: string): boolean {
  return path === '/api/v3' || path.startsWith('/api/v3/') || path.startsWith('/api/v3?');
}

/**
 * The one place that decides an error's `documentation_url`: the reference page of the surface answered. Routes name
 * their page as Enterprise Cloud documents it (`https://docs.github.com/enterprise-cloud@latest/rest/…`, or
 * `https://docs.github.com/rest` when there is no better one); at the root (api.github.com style) that is the answer.
 * Under `/api/v3` (GitHub Enterprise Server style) it is the same page of the GitHub Enterprise Server reference
 * (`https://docs.github.com/enterprise-server@3.19/rest/…`), unless GHES has no such page (`CLOUD_ONLY_PAGES`).
 * A page already on the GHES reference (site administration) stays as it is.
 *
 * @param url - the page the route or error names
 * @param path - the request's URL path (`request.url`)
 */
export function documentationUrlFor(url: string, path: string): string {
  if (!isServerSurface(path)) return url;
  if (url.startsWith(CLOUD_DOCS)) {
    const page = url.slice(CLOUD_DOCS.length);
    return CLOUD_ONLY_PAGES.some((prefix) => page.startsWith(prefix)) ? url : `${GHES_DOCS}${page}`;
  }
  if (url === DOTCOM_REST_DOCS || url.startsWith(`${DOTCOM_REST_DOCS}/`) || url.startsWith(`${DOTCOM_REST_DOCS}#`)) {
    return `${GHES_DOCS}${url.slice('https://docs.github.com/'.length)}`;
  }
  return url;
}

/** One entry of a 422 `errors` array: GitHub's object form, or the plain strings of `validation-error-simple`. */
export type ValidationErrorItem =
  | string
  | { resource: string; field: string; code: 'missing' | 'missing_field' | 'invalid' | 'already_exists' | 'unprocessable' | 'custom'; message?: string };

export interface ApiErrorOptions {
  errors?: ValidationErrorItem[];
  headers?: Record<string, string>;
  documentationUrl?: string;
  /** Stable machine code, so other surfaces (SCIM) can map the error to their own shape. */
  code?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly errors: ValidationErrorItem[] | undefined;
  readonly headers: Record<string, string>;
  readonly documentationUrl: string | undefined;
  readonly code: string | undefined;

  constructor(status: number, message: string, options: ApiErrorOptions = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.documentationUrl = options.documentationUrl;
    this.code = options.code;
  }
}

export const notFound = (): ApiError => new ApiError(404, 'Not Found', { code: 'not_found' });

export const badCredentials = (): ApiError => new ApiError(401, 'Bad credentials', { code: 'bad_credentials' });

export const requiresAuthentication = (): ApiError =>
  new ApiError(401, 'Requires authentication', { code: 'requires_authentication' });

export const problemsParsingJson = (): ApiError => new ApiError(400, 'Problems parsing JSON', { code: 'invalid_json' });

/**
 * 400 for a NUL character (U+0000) in a body string or key, a path segment or a query value: PostgreSQL's text cannot
 * hold one (https://www.postgresql.org/docs/current/datatype-character.html), so it is refused on every store alike.
 */
export const nulCharacter = (where: string): ApiError =>
  new ApiError(400, `The ${where} contains a NUL character (U+0000), which is not allowed`, { code: 'nul_character' });

export const bodyNotObject = (): ApiError => new ApiError(400, 'Body should be a JSON object', { code: 'invalid_json' });

/** 422 "Validation Failed" with GitHub's error items. */
export const validationFailed = (errors: ValidationErrorItem[], message = 'Validation Failed'): ApiError =>
  new ApiError(422, message, { errors, code: 'validation_failed' });

/** 422 for a request whose parameters have the wrong type or are missing ("Invalid request."). */
export const invalidRequest = (details: string[]): ApiError =>
  new ApiError(422, `Invalid request.\n\n${details.join('\n')}`, { errors: details, code: 'invalid_request' });

/**
 * GitHub's REST error body. `status` is a string, as GitHub sends it.
 *
 * @param documentationUrl - the page `documentationUrlFor` chose for the surface (the error's own page, if it names
 *   one, should be passed through it first)
 */
export function restErrorBody(error: ApiError, documentationUrl: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    message: error.message,
    documentation_url: documentationUrl,
    status: String(error.status),
  };
  if (error.errors !== undefined) body.errors = error.errors;
  return body;
}
