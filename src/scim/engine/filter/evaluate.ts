/**
 * In-memory filter evaluation (RFC 7644 §3.4.2.2). This is the reference semantics the SQL
 * compiler is tested against, and serves small in-memory sets.
 *
 * Semantics chosen where the RFC is silent, which a SQL compiler must reproduce:
 * - a multi-valued attribute matches when any of its values matches;
 * - `ne` is `not (eq)`: true for an unassigned attribute, false if any value equals;
 * - `eq null` is true exactly when the attribute is unassigned (RFC 7643 §2.5), `ne null` when assigned;
 * - strings of `caseExact: false` attributes compare after `toLowerCase()`, also for `gt`/`lt`;
 * - dateTimes compare as instants; an unparsable stored value matches nothing;
 * - a value of the wrong JSON type in the resource matches nothing.
 */
import { coerceBoolean } from '../coerce.ts';
import { getProperty, isJsonObject, isUnassigned } from '../json.ts';
import type { JsonObject, JsonValue } from '../json.ts';
import { findAttribute, resolveAttributePath } from '../schema/resolve.ts';
import type { AttributeDefinition, ResourceSchema } from '../schema/types.ts';
import type { AttributePath, ComparisonNode, FilterNode } from './ast.ts';
import { validateFilter } from './validate.ts';

/** The assigned values at a path, with the definition that types them. */
interface Values {
  readonly definition: AttributeDefinition;
  readonly values: readonly JsonValue[];
}

type Lookup = (path: AttributePath) => Values;

function assigned(values: readonly (JsonValue | undefined)[]): JsonValue[] {
  return values.filter((value): value is JsonValue => !isUnassigned(value));
}

function asArray(value: JsonValue | undefined): readonly JsonValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function resourceLookup(resource: JsonObject, schema: ResourceSchema): Lookup {
  return (path) => {
    const resolved = resolveAttributePath(schema, path);
    // validateFilter guarantees every path resolves; getting here means a caller skipped it.
    if (resolved === undefined) throw new TypeError(`unresolved filter path ${path.name}`);
    const container = resolved.extension === undefined ? resource : getProperty(resource, resolved.extension);
    const raw = isJsonObject(container) ? getProperty(container, resolved.attribute.name) : undefined;
    const sub = resolved.subAttribute;
    if (sub === undefined) return { definition: resolved.attribute, values: assigned(asArray(raw)) };
    const elements = asArray(raw).filter(isJsonObject);
    return { definition: sub, values: assigned(elements.map((element) => getProperty(element, sub.name))) };
  };
}

function elementLookup(element: JsonObject, parent: AttributeDefinition): Lookup {
  return (path) => {
    const definition = findAttribute(parent.subAttributes ?? [], path.name);
    if (definition === undefined) throw new TypeError(`unresolved value filter path ${path.name}`);
    return { definition, values: assigned([getProperty(element, definition.name)]) };
  };
}

function ordered<T extends string | number>(actual: T, expected: T, op: ComparisonNode['op']): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'gt':
      return actual > expected;
    case 'ge':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'le':
      return actual <= expected;
    default:
      return false;
  }
}

function compareOne(
  definition: AttributeDefinition,
  op: ComparisonNode['op'],
  actual: JsonValue,
  expected: string | number | boolean,
): boolean {
  switch (definition.type) {
    case 'boolean':
      return coerceBoolean(actual) === expected;
    case 'integer':
    case 'decimal':
      return typeof actual === 'number' && typeof expected === 'number' && ordered(actual, expected, op);
    case 'dateTime': {
      if (typeof actual !== 'string' || typeof expected !== 'string') return false;
      const a = Date.parse(actual);
      const b = Date.parse(expected);
      return Number.isFinite(a) && Number.isFinite(b) && ordered(a, b, op);
    }
    case 'string':
    case 'reference':
    case 'binary': {
      if (typeof actual !== 'string' || typeof expected !== 'string') return false;
      const a = definition.caseExact ? actual : actual.toLowerCase();
      const b = definition.caseExact ? expected : expected.toLowerCase();
      if (op === 'co') return a.includes(b);
      if (op === 'sw') return a.startsWith(b);
      if (op === 'ew') return a.endsWith(b);
      return ordered(a, b, op);
    }
    case 'complex':
      return false;
  }
}

function isPresent(value: JsonValue): boolean {
  return value !== '';
}

function evaluate(node: FilterNode, lookup: Lookup): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, lookup) && evaluate(node.right, lookup);
    case 'or':
      return evaluate(node.left, lookup) || evaluate(node.right, lookup);
    case 'not':
      return !evaluate(node.filter, lookup);
    case 'present':
      // RFC 7644 §3.4.2.2 "pr": a non-empty value, or a non-empty node for complex attributes.
      return lookup(node.path).values.some(isPresent);
    case 'valuePath': {
      const { definition, values } = lookup(node.path);
      const matches = (element: JsonValue): boolean =>
        isJsonObject(element) && evaluate(node.filter, elementLookup(element, definition));
      return values.some(matches);
    }
    case 'compare': {
      const { definition, values } = lookup(node.path);
      const expected = node.value;
      if (expected === null) return node.op === 'eq' ? values.length === 0 : values.length > 0;
      if (node.op === 'ne') return !values.some((value) => compareOne(definition, 'eq', value, expected));
      return values.some((value) => compareOne(definition, node.op, value, expected));
    }
  }
}

/**
 * Evaluate a filter against one resource.
 *
 * @param ast - a parsed filter; it is validated (and canonicalised) first
 * @param resource - the resource's JSON representation
 * @param schema - the resource type
 * @throws ScimError with scimType `invalidFilter` when the filter does not fit the schema
 */
export function evaluateFilter(ast: FilterNode, resource: JsonObject, schema: ResourceSchema): boolean {
  return evaluate(validateFilter(ast, schema), resourceLookup(resource, schema));
}

/**
 * Build a predicate for many resources, validating the filter once.
 *
 * @param ast - a parsed filter
 * @param schema - the resource type
 * @throws ScimError with scimType `invalidFilter` when the filter does not fit the schema
 */
export function compileFilterPredicate(ast: FilterNode, schema: ResourceSchema): (resource: JsonObject) => boolean {
  const canonical = validateFilter(ast, schema);
  return (resource) => evaluate(canonical, resourceLookup(resource, schema));
}

/**
 * Whether one element of a complex attribute satisfies a canonical value filter, as in the PATCH
 * path `emails[type eq "work"]`.
 *
 * @param filter - output of `validateValueFilter` for `attribute`
 * @param element - one element of the attribute
 * @param attribute - the complex attribute
 */
export function matchesElement(filter: FilterNode, element: JsonObject, attribute: AttributeDefinition): boolean {
  return evaluate(filter, elementLookup(element, attribute));
}
