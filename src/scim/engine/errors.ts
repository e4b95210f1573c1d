/**
 * SCIM protocol errors (RFC 7644 §3.12) as one typed class with presets per `scimType`.
 *
 * Every failure the engine can detect in client input surfaces as a `ScimError`; anything else
 * escaping the engine is a bug and should become a logged 500 at the HTTP boundary.
 */

/** The `scimType` keywords of RFC 7644 §3.12, Table 9. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * Where GitHub's SCIM error bodies point `documentation_url`; callers serving another surface pass
 * their own page to `toScimErrorBody`.
 */
export const DEFAULT_DOCUMENTATION_URL =
  'https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim';

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;

  /**
   * @param status - HTTP status code the error maps to
   * @param detail - human-readable explanation, safe to show to the client
   * @param scimType - RFC 7644 §3.12 keyword, when one applies
   */
  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
  }

  /** 400: the filter syntax is invalid or names an unknown attribute (RFC 7644 §3.4.2.2). */
  static invalidFilter(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidFilter');
  }

  /** 400: the request would yield or process more results than the server allows. */
  static tooMany(detail: string): ScimError {
    return new ScimError(400, detail, 'tooMany');
  }

  /** 409: a value that must be unique is already in use (RFC 7644 §3.3). */
  static uniqueness(detail: string): ScimError {
    return new ScimError(409, detail, 'uniqueness');
  }

  /** 400: the request tried to change a `readOnly` or `immutable` attribute (RFC 7643 §2.2). */
  static mutability(detail: string): ScimError {
    return new ScimError(400, detail, 'mutability');
  }

  /** 400: the request body is not a well-formed SCIM message. */
  static invalidSyntax(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidSyntax');
  }

  /** 400: a PATCH `path` is malformed or names an unknown attribute (RFC 7644 §3.5.2). */
  static invalidPath(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidPath');
  }

  /** 400: a PATCH `path` selected nothing to operate on (RFC 7644 §3.5.2.2). */
  static noTarget(detail: string): ScimError {
    return new ScimError(400, detail, 'noTarget');
  }

  /** 400: a value has the wrong type or is otherwise unacceptable for its attribute. */
  static invalidValue(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidValue');
  }

  /** 400: the requested SCIM protocol version is not supported. */
  static invalidVers(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidVers');
  }

  /** 403: the request carried sensitive data in its URI (RFC 7644 §7.5.2). */
  static sensitive(detail: string): ScimError {
    return new ScimError(403, detail, 'sensitive');
  }

  /** 404: no resource with that id (RFC 7644 §3.4.1); no scimType applies. */
  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }
}

/** Wire shape of a SCIM error in GitHub's OpenAPI "Scim Error" schema. */
export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  /** An integer: GitHub's schema types it so, although RFC 7644 §3.12 shows a string. */
  status: number;
  scimType?: ScimType;
  detail: string;
  message: string;
  documentation_url: string;
}

/**
 * Render an error as the body GitHub sends: RFC 7644 §3.12 fields plus GitHub's `message` and
 * `documentation_url`.
 *
 * @param error - the error to render
 * @param documentationUrl - value of `documentation_url`
 * @returns the JSON body; `scimType` is present only when the error has one
 */
export function toScimErrorBody(
  error: ScimError,
  documentationUrl: string = DEFAULT_DOCUMENTATION_URL,
): ScimErrorBody {
  return {
    schemas: [ERROR_SCHEMA],
    status: error.status,
    ...(error.scimType === undefined ? {} : { scimType: error.scimType }),
    detail: error.detail,
    message: error.detail,
    documentation_url: documentationUrl,
  };
}
