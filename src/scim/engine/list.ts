/**
 * Query responses: paging parameters and the ListResponse (RFC 7644 §3.4.2.4), and the
 * `attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §2.2
 * "returned").
 */
import { ScimError } from './errors.ts';
import type { AttributePath } from './filter/ast.ts';
import { parseAttributePath } from './filter/attribute-path.ts';
import { defineProperty, isJsonObject, isUnassigned } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { coreAttributes, findAttribute, findExtension, resolveAttributePath } from './schema/resolve.ts';
import type { AttributeDefinition, ResourceSchema } from './schema/types.ts';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export interface ListParams {
  /** 1-based index of the first result. */
  readonly startIndex: number;
  /** Maximum number of results on the page; 0 asks only for `totalResults`. */
  readonly count: number;
}

export interface ListParamOptions {
  /** `count` when the client sends none (GitHub documents 30 for its SCIM lists). */
  readonly defaultCount: number;
  /** Upper bound applied to `count`, so a client cannot ask for the whole table. */
  readonly maxCount: number;
}

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: T[];
}

/** A query parameter as an integer; undefined when absent or not a number. */
function integerParam(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? Math.trunc(parsed) : undefined;
}

/**
 * The largest `startIndex` read (2^31 - 1): past the data every page is empty, so a larger one answers as this one does,
 * echoed as an integer (not `1e+23`), with a row offset both stores can bind.
 */
export const MAX_START_INDEX = 2_147_483_647;

/**
 * Read `startIndex` and `count` (RFC 7644 §3.4.2.4). A `startIndex` below 1 means 1, a negative
 * `count` means 0, a fraction is truncated; unparsable values fall back to the defaults rather than failing the
 * request; `startIndex` is at most MAX_START_INDEX and `count` at most `maxCount`.
 *
 * @param query - raw query values, strings or numbers
 * @param options - default and maximum `count`
 */
export function parseListParams(
  query: { startIndex?: unknown; count?: unknown },
  options: ListParamOptions,
): ListParams {
  const startIndex = Math.min(MAX_START_INDEX, Math.max(1, integerParam(query.startIndex) ?? 1));
  const count = Math.min(options.maxCount, Math.max(0, integerParam(query.count) ?? options.defaultCount));
  return { startIndex, count };
}

/**
 * Build a ListResponse (RFC 7644 §3.4.2.4), with integer fields as Okta requires (idp-quirks.md X10).
 *
 * @param resources - the page, already projected
 * @param totalResults - number of matches over all pages
 * @param startIndex - the page's 1-based start, echoed back
 */
export function buildListResponse<T>(
  resources: readonly T[],
  totalResults: number,
  startIndex: number,
): ListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    itemsPerPage: resources.length,
    startIndex,
    Resources: [...resources],
  };
}

/**
 * The page of an in-memory result set.
 *
 * @param items - all matches, in a stable order
 * @param params - output of `parseListParams`
 */
export function slicePage<T>(items: readonly T[], params: ListParams): T[] {
  return items.slice(params.startIndex - 1, params.startIndex - 1 + params.count);
}

export interface Projection {
  /** `attributes`: return only these (plus `returned: always`). */
  readonly attributes?: readonly AttributePath[];
  /** `excludedAttributes`: drop these (unless `returned: always`). */
  readonly excludedAttributes?: readonly AttributePath[];
}

function parseAttributeList(text: string | null | undefined, parameter: string): AttributePath[] | undefined {
  if (text === undefined || text === null || text.trim() === '') return undefined;
  return text.split(',').flatMap((item) => {
    const trimmed = item.trim();
    if (trimmed === '') return [];
    const path = parseAttributePath(trimmed);
    if (path === undefined) throw ScimError.invalidValue(`${parameter}: "${trimmed}" is not an attribute path`);
    return [path];
  });
}

/**
 * Read the `attributes` and `excludedAttributes` query parameters (RFC 7644 §3.4.2.5):
 * comma-separated attribute paths, optionally URN-qualified.
 *
 * @param query - raw query values
 * @throws ScimError `invalidValue` for an entry that is not an attribute path
 */
export function parseProjection(query: {
  attributes?: string | null;
  excludedAttributes?: string | null;
}): Projection {
  const attributes = parseAttributeList(query.attributes, 'attributes');
  const excludedAttributes = parseAttributeList(query.excludedAttributes, 'excludedAttributes');
  return {
    ...(attributes === undefined ? {} : { attributes }),
    ...(excludedAttributes === undefined ? {} : { excludedAttributes }),
  };
}

/** Which parts of one attribute a list names: all of it, or some sub-attributes (lower-cased). */
type Selection = 'all' | ReadonlySet<string>;

/** A projection list resolved against the schema, keyed by `container|attribute`, lower case. */
type SelectionMap = ReadonlyMap<string, Selection>;

function selectionKey(extension: string | undefined, name: string): string {
  return `${extension ?? ''}|${name}`.toLowerCase();
}

/** Resolve a projection list; unknown names are ignored, as they cannot select anything. */
function resolveSelections(paths: readonly AttributePath[], schema: ResourceSchema): SelectionMap {
  const map = new Map<string, Selection>();
  const add = (key: string, sub: string | undefined): void => {
    const previous = map.get(key);
    if (previous === 'all') return;
    if (sub === undefined) {
      map.set(key, 'all');
      return;
    }
    map.set(key, new Set([...(previous ?? []), sub.toLowerCase()]));
  };
  for (const path of paths) {
    // A bare extension URN (`urn:…:enterprise:2.0:User`) selects the whole extension.
    const bare = path.uri !== undefined && path.subAttr === undefined;
    const extension = bare ? findExtension(schema, `${path.uri}:${path.name}`) : undefined;
    if (extension !== undefined) {
      for (const attribute of extension.attributes) add(selectionKey(extension.id, attribute.name), undefined);
      continue;
    }
    const resolved = resolveAttributePath(schema, path);
    if (resolved === undefined) continue;
    add(selectionKey(resolved.extension, resolved.attribute.name), resolved.subAttribute?.name);
  }
  return map;
}

interface CompiledProjection {
  readonly include?: SelectionMap;
  readonly exclude: SelectionMap;
  /** Excluded names the schema does not know (lower case), for keys a dialect adds itself. */
  readonly excludeUnknown: ReadonlySet<string>;
}

/** The compiled default projection (no `attributes`, no `excludedAttributes`) of each resource type. */
const defaultProjections = new WeakMap<ResourceSchema, CompiledProjection>();

function compileProjection(schema: ResourceSchema, projection: Projection): CompiledProjection {
  if (projection.attributes === undefined && (projection.excludedAttributes === undefined || projection.excludedAttributes.length === 0)) {
    // Most requests ask for the default representation: compile it once per resource type.
    let compiled = defaultProjections.get(schema);
    if (compiled === undefined) {
      compiled = compileProjectionOf(schema, {});
      defaultProjections.set(schema, compiled);
    }
    return compiled;
  }
  return compileProjectionOf(schema, projection);
}

function compileProjectionOf(schema: ResourceSchema, projection: Projection): CompiledProjection {
  const excluded = projection.excludedAttributes ?? [];
  return {
    ...(projection.attributes === undefined ? {} : { include: resolveSelections(projection.attributes, schema) }),
    exclude: resolveSelections(excluded, schema),
    excludeUnknown: new Set(
      excluded
        .filter((path) => path.uri === undefined && path.subAttr === undefined)
        .filter((path) => resolveAttributePath(schema, path) === undefined)
        .map((path) => path.name.toLowerCase()),
    ),
  };
}

/**
 * Which sub-attribute names (lower-cased) of an attribute are emitted, or 'all' / 'none'. Applies
 * RFC 7643 §2.2 "returned" and RFC 7644 §3.9: `always` ignores both lists, `never` is never
 * emitted, `request` only when `attributes` names it, `default` unless excluded or unlisted.
 * With both lists given, `attributes` selects first and `excludedAttributes` then removes.
 */
function decide(definition: AttributeDefinition, key: string, compiled: CompiledProjection): Selection | 'none' {
  if (definition.returned === 'never') return 'none';
  if (definition.returned === 'always') return 'all';
  const included = compiled.include?.get(key);
  if (definition.returned === 'request' && included === undefined) return 'none';
  if (compiled.include !== undefined && included === undefined) return 'none';
  const excluded = compiled.exclude.get(key);
  if (excluded === 'all') return 'none';
  if (excluded === undefined) return included ?? 'all';
  const defaults = (definition.subAttributes ?? [])
    .filter((sub) => sub.returned !== 'request')
    .map((sub) => sub.name.toLowerCase());
  const base = included === undefined || included === 'all' ? defaults : [...included];
  return new Set(base.filter((sub) => !excluded.has(sub)));
}

/** Keep the selected sub-attributes of one complex value; `always` ones survive, `never` ones go. */
function projectComplex(value: JsonObject, definition: AttributeDefinition, selection: Selection): JsonObject {
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(definition.subAttributes ?? [], key);
    if (sub === undefined) {
      if (selection === 'all') defineProperty(result, key, item);
      continue;
    }
    if (sub.returned === 'never') continue;
    const listed = selection === 'all' ? sub.returned !== 'request' : selection.has(sub.name.toLowerCase());
    if (listed || sub.returned === 'always') defineProperty(result, key, item);
  }
  return result;
}

function projectValue(value: JsonValue, definition: AttributeDefinition, selection: Selection): JsonValue | undefined {
  if (definition.type !== 'complex') return value;
  if (Array.isArray(value)) {
    const elements = value.map((element) =>
      isJsonObject(element) ? projectComplex(element, definition, selection) : element,
    );
    const kept = elements.filter((element) => !isUnassigned(element));
    return kept.length === 0 ? undefined : kept;
  }
  if (!isJsonObject(value)) return value;
  const projected = projectComplex(value, definition, selection);
  return isUnassigned(projected) ? undefined : projected;
}

/** Add `value` to `result` if the projection keeps any of it. */
function projectEntry(
  result: JsonObject,
  key: string,
  value: JsonValue,
  definition: AttributeDefinition,
  extension: string | undefined,
  compiled: CompiledProjection,
): void {
  const selection = decide(definition, selectionKey(extension, definition.name), compiled);
  if (selection === 'none') return;
  const projected = projectValue(value, definition, selection);
  if (projected !== undefined) defineProperty(result, key, projected);
}

/**
 * Apply `attributes` / `excludedAttributes` to a resource (RFC 7644 §3.4.2.5, §3.9) and drop
 * `returned: never` attributes such as `password`. `id` and `schemas` are always kept. Keys the
 * schema does not know (a dialect's own additions) are kept unless `attributes` restricts the
 * output or `excludedAttributes` names them.
 *
 * @param resource - the full representation
 * @param schema - the resource type
 * @param projection - output of `parseProjection`
 * @returns a new object in the input's key order
 */
export function projectResource(resource: JsonObject, schema: ResourceSchema, projection: Projection): JsonObject {
  const compiled = compileProjection(schema, projection);
  const keepUnknown = compiled.include === undefined;
  const core = coreAttributes(schema);
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    const extension = findExtension(schema, key);
    if (extension !== undefined) {
      if (!isJsonObject(value)) continue;
      const projected: JsonObject = {};
      for (const [name, item] of Object.entries(value)) {
        const definition = findAttribute(extension.attributes, name);
        if (definition !== undefined) projectEntry(projected, name, item, definition, extension.id, compiled);
        else if (keepUnknown) defineProperty(projected, name, item);
      }
      if (!isUnassigned(projected)) defineProperty(result, key, projected);
      continue;
    }
    const definition = findAttribute(core, key);
    if (definition !== undefined) projectEntry(result, key, value, definition, undefined, compiled);
    else if (keepUnknown && !compiled.excludeUnknown.has(key.toLowerCase())) defineProperty(result, key, value);
  }
  return result;
}

/**
 * Whether any part of an attribute would be emitted under a projection, so a caller can skip
 * loading it: Entra reads groups with `excludedAttributes=members` (idp-quirks.md §2).
 *
 * @param schema - the resource type
 * @param projection - output of `parseProjection`
 * @param path - the attribute, e.g. `members`
 * @returns false also for attributes the schema does not know
 */
export function isAttributeReturned(schema: ResourceSchema, projection: Projection, path: string): boolean {
  const resolved = resolveAttributePath(schema, path);
  if (resolved === undefined) return false;
  const selection = decide(
    resolved.attribute,
    selectionKey(resolved.extension, resolved.attribute.name),
    compileProjection(schema, projection),
  );
  if (selection === 'none') return false;
  const sub = resolved.subAttribute;
  if (sub === undefined || sub.returned === 'always') return true;
  if (sub.returned === 'never') return false;
  return selection === 'all' ? sub.returned !== 'request' : selection.has(sub.name.toLowerCase());
}
