/**
 * Errors the REST surface renders in GitHub's shapes (`basic-error`, `validation-error`, `validation-error-simple`).
 * Services throw these; one error handler per API surface renders them (SCIM has its own renderer).
 */

export const DEFAULT_DOCS_URL = 'https://docs.github.com/rest';

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

export const bodyNotObject = (): ApiError => new ApiError(400, 'Body should be a JSON object', { code: 'invalid_json' });

/** 422 "Validation Failed" with GitHub's error items. */
export const validationFailed = (errors: ValidationErrorItem[], message = 'Validation Failed'): ApiError =>
  new ApiError(422, message, { errors, code: 'validation_failed' });

/** 422 for a request whose parameters have the wrong type or are missing ("Invalid request."). */
export const invalidRequest = (details: string[]): ApiError =>
  new ApiError(422, `Invalid request.\n\n${details.join('\n')}`, { errors: details, code: 'invalid_request' });

/** GitHub's REST error body. `status` is a string, as GitHub sends it. */
export function restErrorBody(error: ApiError, documentationUrl: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    message: error.message,
    documentation_url: error.documentationUrl ?? documentationUrl,
    status: String(error.status),
  };
  if (error.errors !== undefined) body.errors = error.errors;
  return body;
}
