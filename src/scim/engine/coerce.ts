/**
 * Normalisation of what identity providers send into the schema's shape: boolean strings become
 * booleans, attribute names take the schema's spelling, unknown attributes and schema URNs are
 * dropped, empty entries of multi-valued attributes disappear (idp-quirks.md §2, §4, §9).
 */
import { ScimError } from './errors.ts';
import { defineProperty, getProperty, isJsonObject, setProperty, toJsonValue } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { SCHEMAS_ATTRIBUTE } from './schema/common.ts';
import { findAttribute, findExtension, resolveAttributePath } from './schema/resolve.ts';
import type { AttributeDefinition, ResourceSchema } from './schema/types.ts';

/**
 * A boolean from a JSON boolean or a string `true`/`false` in any letter case. Entra sends
 * `"active": "False"` unless the app uses the `aadOptscim062020` flag (Microsoft Learn,
 * "Known issues and resolutions with SCIM 2.0 protocol compliance").
 *
 * @param value - candidate value
 * @returns the boolean, or undefined when `value` is neither form
 */
export function coerceBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}

/** Whether a string is an RFC 7643 §2.3.5 dateTime (xsd:dateTime with a time zone). */
export function isDateTime(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i.test(value) &&
    Number.isFinite(Date.parse(value))
  );
}

function typeError(location: string, expected: string): ScimError {
  return ScimError.invalidValue(`${location} must be ${expected}`);
}

/** Coerce one value of a non-complex attribute to its type. */
function coerceScalar(definition: AttributeDefinition, value: JsonValue, location: string): JsonValue {
  switch (definition.type) {
    case 'boolean': {
      const coerced = coerceBoolean(value);
      if (coerced === undefined) throw typeError(location, 'a boolean');
      return coerced;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(location, 'an integer');
      return value;
    case 'decimal':
      if (typeof value !== 'number') throw typeError(location, 'a number');
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || !isDateTime(value)) throw typeError(location, 'an RFC 3339 date-time string');
      return value;
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') throw typeError(location, 'a string');
      return value;
    case 'complex':
      throw new TypeError(`coerceScalar called for complex attribute ${definition.name}`);
  }
}

/**
 * Coerce one value (one element, for multi-valued attributes) of an attribute.
 *
 * Complex values keep only known sub-attributes, in the schema's spelling; `readOnly`
 * sub-attributes are dropped because the service provider computes them (RFC 7643 §2.2).
 *
 * @param definition - the attribute
 * @param value - the client's value
 * @param location - path of the value, for error details
 * @returns the coerced value, or undefined when it is unassigned (null, or a complex value with
 *   nothing left)
 */
export function coerceSingleValue(
  definition: AttributeDefinition,
  value: JsonValue,
  location: string,
): JsonValue | undefined {
  if (value === null) return undefined;
  if (definition.type !== 'complex') return coerceScalar(definition, value, location);
  if (!isJsonObject(value)) throw typeError(location, 'an object');
  const result: JsonObject = {};
  for (const [key, subValue] of Object.entries(value)) {
    const sub = findAttribute(definition.subAttributes ?? [], key);
    if (sub === undefined || sub.mutability === 'readOnly') continue;
    const coerced = coerceSingleValue(sub, subValue, `${location}.${sub.name}`);
    if (coerced !== undefined) setProperty(result, sub.name, coerced);
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/**
 * The value itself, or the one element of a one-element array sent for a single-valued attribute:
 * Entra sets `manager` with `"value":[{"$ref":…,"value":…}]` (Microsoft Learn, SCIM tutorial,
 * example 5).
 *
 * @param definition - the attribute
 * @param value - the client's value
 */
export function unwrapSingleValue(definition: AttributeDefinition, value: JsonValue): JsonValue {
  if (definition.multiValued || !Array.isArray(value) || value.length !== 1) return value;
  return value[0] ?? null;
}

/**
 * Coerce a whole attribute value. A multi-valued attribute accepts an array or a single element;
 * empty elements are dropped (OneLogin sends entries without `value`, idp-quirks.md §4).
 *
 * @param definition - the attribute
 * @param value - the client's value
 * @param location - path of the value, for error details
 * @returns the coerced value, or undefined when nothing is left (RFC 7643 §2.5)
 */
export function coerceAttributeValue(
  definition: AttributeDefinition,
  value: JsonValue,
  location: string,
): JsonValue | undefined {
  if (!definition.multiValued) return coerceSingleValue(definition, unwrapSingleValue(definition, value), location);
  const elements = Array.isArray(value) ? value : [value];
  const result: JsonValue[] = [];
  elements.forEach((element, index) => {
    const coerced = coerceSingleValue(definition, element, `${location}[${index}]`);
    if (coerced !== undefined) result.push(coerced);
  });
  return result.length === 0 ? undefined : result;
}

/** Options of `normalizeResource`. */
export interface NormalizeOptions {
  /**
   * Multi-valued complex attributes (by name, any case) whose elements may be sent as plain strings, as GitHub's own
   * provisioning example sends `"emails": ["octocat@github.com"]`: see `elementsFromStrings`.
   */
  readonly stringElements?: readonly string[];
}

/**
 * A multi-valued complex attribute's elements with plain strings taken as `{value}` (the attribute needs a `value`
 * sub-attribute), the first of them primary when no element is and `markPrimary` allows (RFC 7643 §2.4: the primary
 * value is the one to use). Anything else is returned as is, for `coerceAttributeValue` to check.
 *
 * @param definition - the attribute
 * @param value - the client's value
 * @param markPrimary - whether a string may become the primary value (not when added beside existing values)
 */
export function elementsFromStrings(definition: AttributeDefinition, value: JsonValue, markPrimary = true): JsonValue {
  if (!definition.multiValued || definition.type !== 'complex' || findAttribute(definition.subAttributes ?? [], 'value') === undefined) return value;
  const elements = Array.isArray(value) ? value : [value];
  if (!elements.some((element) => typeof element === 'string')) return value;
  const hasPrimary = elements.some((element) => isJsonObject(element) && coerceBoolean(getProperty(element, 'primary')) === true);
  let primaryGiven = hasPrimary || !markPrimary;
  return elements.map((element) => {
    if (typeof element !== 'string') return element;
    const object: JsonObject = { value: element };
    if (!primaryGiven) {
      object.primary = true;
      primaryGiven = true;
    }
    return object;
  });
}

/**
 * Normalise a POST or PUT body against a resource type: attribute names in the schema's
 * spelling, values coerced, extension data under the canonical URN. Dropped silently, as
 * RFC 7643 §2.2 and idp-quirks.md X6/X7 require: `readOnly` attributes (`id`, `meta`, `groups`),
 * unknown attributes, unknown schema URNs and their data. Dotted and URN-qualified keys
 * (`name.givenName`, `urn:…:enterprise:2.0:User:department`) are placed where they belong.
 *
 * @param input - the parsed request body
 * @param schema - the resource type
 * @param options - leniencies beyond the schema (plain-string elements)
 * @returns a new object; `schemas` lists only the known URNs that were sent
 */
export function normalizeResource(input: unknown, schema: ResourceSchema, options: NormalizeOptions = {}): JsonObject {
  const stringElements = new Set((options.stringElements ?? []).map((name) => name.toLowerCase()));
  const body = toJsonValue(input, 'Request body');
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('Request body must be a JSON object');
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      const schemas = knownSchemaUris(value, schema);
      if (schemas.length > 0) result['schemas'] = schemas;
      continue;
    }
    const extension = findExtension(schema, key);
    if (extension !== undefined) {
      if (value === null) continue;
      if (!isJsonObject(value)) throw typeError(extension.id, 'an object');
      for (const [name, attributeValue] of Object.entries(value)) {
        const attribute = findAttribute(extension.attributes, name);
        if (attribute !== undefined) placeValue(result, extension.id, attribute, undefined, attributeValue);
      }
      continue;
    }
    const resolved = resolveAttributePath(schema, key);
    if (resolved === undefined || resolved.attribute === SCHEMAS_ATTRIBUTE) continue;
    const lenient =
      resolved.extension === undefined && resolved.subAttribute === undefined && stringElements.has(resolved.attribute.name.toLowerCase())
        ? elementsFromStrings(resolved.attribute, value)
        : value;
    placeValue(result, resolved.extension, resolved.attribute, resolved.subAttribute, lenient);
  }
  return result;
}

/** The `schemas` entries that name the resource type's own schemas, in canonical spelling. */
function knownSchemaUris(value: JsonValue, schema: ResourceSchema): string[] {
  if (!Array.isArray(value)) return [];
  const known = [schema.core.id, ...schema.extensions.map((extension) => extension.schema.id)];
  const result: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') continue;
    const match = known.find((uri) => uri.toLowerCase() === item.toLowerCase());
    if (match !== undefined && !result.includes(match)) result.push(match);
  }
  return result;
}

/** Store one coerced attribute (or sub-attribute) value into `result`, merging complex values. */
function placeValue(
  result: JsonObject,
  extension: string | undefined,
  attribute: AttributeDefinition,
  subAttribute: AttributeDefinition | undefined,
  value: JsonValue,
): void {
  if (attribute.mutability === 'readOnly' || subAttribute?.mutability === 'readOnly') return;
  // A dotted key into a multi-valued attribute (`emails.value`) does not say which element it means.
  if (subAttribute !== undefined && attribute.multiValued) return;
  const location = extension === undefined ? attribute.name : `${extension}:${attribute.name}`;
  const coerced =
    subAttribute === undefined
      ? coerceAttributeValue(attribute, value, location)
      : coerceSingleValue(subAttribute, value, `${location}.${subAttribute.name}`);
  if (coerced === undefined) return;
  let container = result;
  if (extension !== undefined) {
    const existing = getProperty(result, extension);
    container = isJsonObject(existing) ? existing : {};
    setProperty(result, extension, container);
  }
  const previous = getProperty(container, attribute.name);
  if (subAttribute !== undefined) {
    const parent = isJsonObject(previous) ? previous : {};
    setProperty(parent, subAttribute.name, coerced);
    setProperty(container, attribute.name, parent);
  } else if (isJsonObject(previous) && isJsonObject(coerced)) {
    // `name.givenName` may precede `name` in the same body; keep both.
    for (const [key, item] of Object.entries(coerced)) defineProperty(previous, key, item);
  } else {
    setProperty(container, attribute.name, coerced);
  }
}
