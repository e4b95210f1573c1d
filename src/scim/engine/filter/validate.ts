/**
 * Filter validation against a resource type (RFC 7644 §3.4.2.2): every attribute must exist, each
 * operator must suit the attribute's type, and each comparison value must have that type.
 */
import { coerceBoolean, isDateTime } from '../coerce.ts';
import { ScimError } from '../errors.ts';
import { findAttribute, resolveAttributePath } from '../schema/resolve.ts';
import type { AttributeDefinition, ResourceSchema } from '../schema/types.ts';
import type { AttributePath, ComparisonOperator, ComparisonValue, FilterNode } from './ast.ts';
import { formatAttributePath } from './attribute-path.ts';

/** An attribute as seen from a filter, with the canonical path it resolved to. */
interface ScopedAttribute {
  readonly definition: AttributeDefinition;
  readonly path: AttributePath;
}

/** Resolves filter paths: against the resource type at the top, against sub-attributes in `[...]`. */
type Scope = (path: AttributePath) => ScopedAttribute | undefined;

const ORDERING: ReadonlySet<ComparisonOperator> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<ComparisonOperator> = new Set(['co', 'sw', 'ew']);

function resourceScope(schema: ResourceSchema): Scope {
  return (path) => {
    const resolved = resolveAttributePath(schema, path);
    if (resolved === undefined) return undefined;
    return { definition: resolved.subAttribute ?? resolved.attribute, path: resolved.path };
  };
}

/** Inside `attr[...]` names are sub-attributes of `attr`; they take no URN and no further level. */
function elementScope(parent: AttributeDefinition): Scope {
  return (path) => {
    if (path.uri !== undefined || path.subAttr !== undefined) return undefined;
    const definition = findAttribute(parent.subAttributes ?? [], path.name);
    return definition === undefined ? undefined : { definition, path: { name: definition.name } };
  };
}

function resolveOrFail(scope: Scope, path: AttributePath, where: string): ScopedAttribute {
  const resolved = scope(path);
  if (resolved === undefined) {
    throw ScimError.invalidFilter(`Unknown attribute "${formatAttributePath(path)}"${where}`);
  }
  if (resolved.definition.returned === 'never') {
    // Filtering on a never-returned attribute (`password`) would leak it one probe at a time.
    throw ScimError.invalidFilter(`Attribute "${formatAttributePath(resolved.path)}" cannot be used in a filter`);
  }
  return resolved;
}

/** Check `op` and `value` against the attribute type; returns the value in canonical form. */
function checkComparison(
  definition: AttributeDefinition,
  op: ComparisonOperator,
  value: ComparisonValue,
  name: string,
): ComparisonValue {
  const inapplicable = (): ScimError =>
    ScimError.invalidFilter(`Operator "${op}" cannot be applied to ${definition.type} attribute "${name}"`);
  const wrongType = (expected: string): ScimError =>
    ScimError.invalidFilter(`Attribute "${name}" must be compared with ${expected}, got ${JSON.stringify(value)}`);
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') throw ScimError.invalidFilter(`Operator "${op}" cannot compare with null`);
    return null;
  }
  switch (definition.type) {
    case 'boolean': {
      // RFC 7644 §3.4.2.2: ordering on booleans SHALL fail; substring operators make no sense either.
      if (op !== 'eq' && op !== 'ne') throw inapplicable();
      const coerced = coerceBoolean(value);
      if (coerced === undefined) throw wrongType('true or false');
      return coerced;
    }
    case 'binary':
      if (ORDERING.has(op)) throw inapplicable();
      if (typeof value !== 'string') throw wrongType('a string');
      return value;
    case 'string':
    case 'reference':
      if (typeof value !== 'string') throw wrongType('a string');
      return value;
    case 'dateTime':
      if (SUBSTRING.has(op)) throw inapplicable();
      if (typeof value !== 'string' || !isDateTime(value)) throw wrongType('an RFC 3339 date-time string');
      return value;
    case 'integer':
      if (SUBSTRING.has(op)) throw inapplicable();
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType('an integer');
      return value;
    case 'decimal':
      if (SUBSTRING.has(op)) throw inapplicable();
      if (typeof value !== 'number') throw wrongType('a number');
      return value;
    case 'complex':
      throw inapplicable();
  }
}

function validateNode(node: FilterNode, scope: Scope, inValuePath: boolean): FilterNode {
  const where = inValuePath ? ' in value filter' : '';
  switch (node.kind) {
    case 'and':
    case 'or':
      return {
        kind: node.kind,
        left: validateNode(node.left, scope, inValuePath),
        right: validateNode(node.right, scope, inValuePath),
      };
    case 'not':
      return { kind: 'not', filter: validateNode(node.filter, scope, inValuePath) };
    case 'present':
      return { kind: 'present', path: resolveOrFail(scope, node.path, where).path };
    case 'compare': {
      let { definition, path } = resolveOrFail(scope, node.path, where);
      if (definition.type === 'complex') {
        // RFC 7644 §3.4.2.2: a complex attribute without a sub-attribute compares its `value`
        // (the RFC's own example is `emails co "example.com"`).
        const value = findAttribute(definition.subAttributes ?? [], 'value');
        if (value === undefined) {
          throw ScimError.invalidFilter(
            `Complex attribute "${formatAttributePath(path)}" must be compared through a sub-attribute`,
          );
        }
        definition = value;
        path = { ...path, subAttr: value.name };
      }
      const value = checkComparison(definition, node.op, node.value, formatAttributePath(path));
      return { kind: 'compare', path, op: node.op, value };
    }
    case 'valuePath': {
      if (inValuePath) throw ScimError.invalidFilter('Value filters cannot be nested');
      const { definition, path } = resolveOrFail(scope, node.path, where);
      if (definition.type !== 'complex' || path.subAttr !== undefined) {
        const text = formatAttributePath(path);
        throw ScimError.invalidFilter(`Value filter "[...]" needs a complex attribute, not "${text}"`);
      }
      return { kind: 'valuePath', path, filter: validateNode(node.filter, elementScope(definition), true) };
    }
  }
}

/**
 * Validate a filter against a resource type and return its canonical form: attribute names in
 * the schema's spelling, a URN only on extension attributes, `emails co "x"` made explicit as
 * `emails.value co "x"`, boolean strings (`"True"`) turned into booleans.
 *
 * @param ast - a parsed filter
 * @param schema - the resource type being filtered
 * @returns the canonical AST; evaluators and SQL compilers rely on this form
 * @throws ScimError with scimType `invalidFilter` naming the offending attribute or operator
 */
export function validateFilter(ast: FilterNode, schema: ResourceSchema): FilterNode {
  return validateNode(ast, resourceScope(schema), false);
}

/**
 * Validate a filter that selects elements of a complex attribute, as in a PATCH path
 * `emails[type eq "work"]` (RFC 7644 §3.5.2).
 *
 * @param ast - the filter between the brackets
 * @param attribute - the complex attribute whose elements are filtered
 * @returns the canonical filter, with paths relative to the element
 */
export function validateValueFilter(ast: FilterNode, attribute: AttributeDefinition): FilterNode {
  return validateNode(ast, elementScope(attribute), true);
}
