/**
 * PatchOp request parsing (RFC 7644 §3.5.2): structure and syntax only, no schema. The result is
 * what `applyPatch` and `planGroupPatch` consume.
 */
import { ScimError } from '../errors.ts';
import type { PatchPath } from '../filter/ast.ts';
import { parsePatchPath } from '../filter/parser.ts';
import { getProperty, isJsonObject, toJsonValue } from '../json.ts';
import type { JsonObject, JsonValue } from '../json.ts';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type PatchOpName = 'add' | 'remove' | 'replace';

/**
 * One operation. `path` is absent for a path-less add/replace, whose `value` is then an object
 * of attribute paths to values (RFC 7644 §3.5.2.1, §3.5.2.3).
 */
export type PatchOperation =
  | { readonly op: 'add' | 'replace'; readonly path: PatchPath; readonly value: JsonValue }
  | { readonly op: 'add' | 'replace'; readonly path?: undefined; readonly value: JsonObject }
  /** `value` on remove is Entra's member list: `{"op":"Remove","path":"members","value":[{"value":"id"}]}`. */
  | { readonly op: 'remove'; readonly path: PatchPath; readonly value?: JsonValue };

export interface PatchRequest {
  readonly operations: readonly PatchOperation[];
}

export interface ParsePatchOptions {
  /**
   * Require `schemas` to be present. By default a missing `schemas` is accepted, since the
   * operations alone are unambiguous; a present `schemas` must always name the PatchOp URN.
   */
  readonly requirePatchSchema?: boolean;
}

function parseOperation(input: JsonValue, index: number): PatchOperation {
  const location = `Operations[${index}]`;
  if (!isJsonObject(input)) throw ScimError.invalidSyntax(`${location} must be an object`);
  // Member names are matched in any case: IdPs capitalise `op` values, and a few capitalise keys.
  const rawOp = getProperty(input, 'op');
  const op = typeof rawOp === 'string' ? rawOp.toLowerCase() : undefined;
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    const got = JSON.stringify(rawOp ?? null);
    throw ScimError.invalidSyntax(`${location}.op must be "add", "remove" or "replace", got ${got}`);
  }
  const rawPath = getProperty(input, 'path');
  if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
    throw ScimError.invalidPath(`${location}.path must be a string`);
  }
  // An empty path is sent by some clients for "the resource itself", the meaning of no path.
  const pathText = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath.trim() : undefined;
  const path = pathText === undefined ? undefined : parsePatchPath(pathText);
  const value = getProperty(input, 'value');
  if (op === 'remove') {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails ... noTarget".
    if (path === undefined) throw ScimError.noTarget(`${location}: remove requires a path`);
    return value === undefined ? { op, path } : { op, path, value };
  }
  if (value === undefined) throw ScimError.invalidSyntax(`${location}: ${op} requires a value`);
  if (path !== undefined) return { op, path, value };
  if (!isJsonObject(value)) {
    throw ScimError.invalidValue(`${location}: without a path, the value of ${op} must be an object of attributes`);
  }
  return { op, value };
}

/**
 * Parse and check a PATCH request body.
 *
 * @param body - the parsed JSON body
 * @param options - strictness about `schemas`
 * @returns the operations with parsed paths and lower-case op names
 * @throws ScimError `invalidSyntax` for a malformed message, `invalidPath` for a malformed path,
 *   `noTarget` for a remove without path
 */
export function parsePatchRequest(body: unknown, options: ParsePatchOptions = {}): PatchRequest {
  const json = toJsonValue(body, 'Request body');
  if (!isJsonObject(json)) throw ScimError.invalidSyntax('Request body must be a JSON object');
  const schemas = getProperty(json, 'schemas');
  if (schemas === undefined) {
    if (options.requirePatchSchema === true) {
      throw ScimError.invalidSyntax(`schemas must be present and contain "${PATCH_OP_SCHEMA}"`);
    }
  } else {
    const listed =
      Array.isArray(schemas) &&
      schemas.some((uri) => typeof uri === 'string' && uri.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase());
    if (!listed) throw ScimError.invalidSyntax(`schemas must contain "${PATCH_OP_SCHEMA}"`);
  }
  const operations = getProperty(json, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw ScimError.invalidSyntax('Operations must be a non-empty array');
  }
  return { operations: operations.map(parseOperation) };
}
