/**
 * Query parameters of SCIM list and read requests (RFC 7644 §3.4.2, §3.4.3, §3.9): `filter` (parsed and validated
 * against the resource type; anything wrong is 400 `invalidFilter`), `startIndex` / `count`, `attributes` /
 * `excludedAttributes`, from the query string (GET) or a SearchRequest body (`POST …/.search`, §3.4.3).
 */
import {
  ScimError,
  isJsonObject,
  parseFilter,
  parseListParams,
  parseProjection,
  validateFilter,
  type FilterNode,
  type ListParams,
  type Projection,
  type ResourceSchema,
} from '../engine/index.ts';
import type { ScimDialect } from '../dialects/dialect.ts';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export interface ListRequest {
  readonly filter: FilterNode | undefined;
  readonly params: ListParams;
  readonly projection: Projection;
}

/** A query value as one string: repeated parameters are joined (attribute lists) or rejected (filter). */
function single(value: unknown, name: string, join: boolean): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (!join) throw ScimError.invalidFilter(`${name} may be given only once`);
    return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Parse and validate a filter; a whole filter in double quotes (GitHub's reference writes
 * `?filter="externalId eq '…'"`) is unwrapped when the dialect allows it.
 */
export function parseScimFilter(text: string | undefined, schema: ResourceSchema, dialect: ScimDialect): FilterNode | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let ast: FilterNode;
  try {
    ast = parseFilter(text);
  } catch (error) {
    const quoted = /^\s*"(.*)"\s*$/s.exec(text);
    if (!dialect.quirks.unwrapQuotedFilter || quoted?.[1] === undefined) throw error;
    try {
      ast = parseFilter(quoted[1]);
    } catch {
      throw error;
    }
  }
  return validateFilter(ast, schema);
}

export function projectionFromQuery(query: Record<string, unknown>): Projection {
  return parseProjection({
    attributes: single(query.attributes, 'attributes', true) ?? null,
    excludedAttributes: single(query.excludedAttributes, 'excludedAttributes', true) ?? null,
  });
}

export function listRequestFromQuery(query: Record<string, unknown>, schema: ResourceSchema, dialect: ScimDialect): ListRequest {
  return {
    filter: parseScimFilter(single(query.filter, 'filter', false), schema, dialect),
    params: parseListParams({ startIndex: single(query.startIndex, 'startIndex', false), count: single(query.count, 'count', false) }, dialect.list),
    projection: projectionFromQuery(query),
  };
}

function attributeList(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  throw ScimError.invalidValue(`${name} must be an array of attribute names`);
}

/** A SearchRequest body (RFC 7644 §3.4.3) before its filter is validated against a resource type. */
export interface SearchBody {
  readonly filterText: string | undefined;
  readonly params: ListParams;
  readonly projection: Projection;
}

/** Reads a SearchRequest body; `schemas` must name SearchRequest when sent (always when strict). */
export function parseSearchBody(body: unknown, dialect: ScimDialect, strict: boolean): SearchBody {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('The search request must be a JSON object');
  const schemas = body.schemas;
  const named = Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase());
  if ((schemas !== undefined || strict) && !named) throw ScimError.invalidSyntax(`schemas must contain "${SEARCH_REQUEST_SCHEMA}"`);
  const filter = body.filter;
  if (filter !== undefined && filter !== null && typeof filter !== 'string') throw ScimError.invalidFilter('filter must be a string');
  return {
    filterText: typeof filter === 'string' ? filter : undefined,
    params: parseListParams({ startIndex: body.startIndex, count: body.count }, dialect.list),
    projection: parseProjection({
      attributes: attributeList(body.attributes, 'attributes'),
      excludedAttributes: attributeList(body.excludedAttributes, 'excludedAttributes'),
    }),
  };
}

/** A SearchRequest to one resource endpoint (`POST …/Users/.search`). */
export function listRequestFromSearch(body: unknown, schema: ResourceSchema, dialect: ScimDialect, strict: boolean): ListRequest {
  const search = parseSearchBody(body, dialect, strict);
  return { filter: parseScimFilter(search.filterText, schema, dialect), params: search.params, projection: search.projection };
}
