/**
 * JSON value types and the few operations on them the engine needs: narrowing `unknown` input,
 * structural equality, and case-insensitive property access (SCIM attribute names are
 * case-insensitive, RFC 7643 §2.1).
 */
import { ScimError } from './errors.ts';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Deeper than any SCIM document (resource → extension → complex → sub-attribute); the cap keeps
 * recursive walks of hostile input from exhausting the stack.
 */
const MAX_JSON_DEPTH = 32;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Narrow parsed input to a `JsonValue`, rejecting what JSON cannot carry (undefined, functions,
 * non-finite numbers) and absurd nesting.
 *
 * @param input - value produced by a JSON parser or a caller
 * @param location - where the value sits, for the error detail
 */
export function toJsonValue(input: unknown, location: string): JsonValue {
  const check = (value: unknown, depth: number): void => {
    if (depth > MAX_JSON_DEPTH) throw ScimError.invalidSyntax(`${location} is nested too deeply`);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw ScimError.invalidSyntax(`${location} contains a non-finite number`);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) check(item, depth + 1);
      return;
    }
    if (isJsonObject(value)) {
      for (const item of Object.values(value)) check(item, depth + 1);
      return;
    }
    throw ScimError.invalidSyntax(`${location} is not JSON`);
  };
  check(input, 0);
  return input as JsonValue;
}

/** Structural equality of two JSON values; object key order is irrelevant. */
export function jsonEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEquals(item, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const aKeys = Object.keys(a);
    if (aKeys.length !== Object.keys(b).length) return false;
    return aKeys.every((key) => Object.hasOwn(b, key) && jsonEquals(a[key], b[key]));
  }
  return false;
}

/** An unassigned value in the sense of RFC 7643 §2.5: null, an empty array or an empty object. */
export function isUnassigned(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isJsonObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** The key under which `name` is stored in `object`: exact spelling first, then any letter case. */
export function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.hasOwn(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
}

export function getProperty(object: JsonObject, name: string): JsonValue | undefined {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}

/** Remove every spelling of `name`, so a stored `UserName` cannot shadow a canonical `userName`. */
export function deleteProperty(object: JsonObject, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lower) delete object[key];
  }
}

/**
 * Set `name` (in the given, canonical, spelling), dropping other spellings of the same name. An
 * existing key of that exact spelling keeps its position, so responses keep their key order.
 */
export function setProperty(object: JsonObject, name: string, value: JsonValue): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key !== name && key.toLowerCase() === lower) delete object[key];
  }
  defineProperty(object, name, value);
}

/**
 * Create an own data property. Plain assignment of a key read from input would invoke the
 * `__proto__` setter instead of storing the key.
 */
export function defineProperty(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
