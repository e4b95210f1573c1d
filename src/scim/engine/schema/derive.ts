/**
 * A service provider's own version of a standard schema: RFC 7643 §7 has `/Schemas` describe the attributes the
 * provider supports, with the characteristics it applies, so a provider serves the core schemas with some attributes
 * left out and some characteristics changed (`userName` immutable, canonical values of `roles.value`, ...). The
 * schema id stays the standard URN.
 */
import type { AttributeDefinition, ScimSchema } from './types.ts';

/** Characteristics an attribute or sub-attribute may be given (its name and shape stay). */
export type AttributeChange = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'multiValued' | 'subAttributes'>>;

export interface SchemaChanges {
  /** Attributes (`password`) or sub-attributes (`members.type`) the provider does not support. */
  readonly omit?: readonly string[];
  /** Changed characteristics by attribute (`userName`) or sub-attribute (`roles.value`) name. */
  readonly change?: Readonly<Record<string, AttributeChange>>;
  /** Attributes replaced by a definition of the provider's own, by name. */
  readonly replace?: readonly AttributeDefinition[];
  /** Text served at `/Schemas` (RFC 7643 §7 "description"); the standard text when absent. */
  readonly description?: string;
}

function deriveAttribute(attribute: AttributeDefinition, prefix: string, changes: SchemaChanges, used: Set<string>): AttributeDefinition {
  const key = `${prefix}${attribute.name}`;
  const change = changes.change?.[key];
  if (change !== undefined) used.add(key);
  const subAttributes = attribute.subAttributes
    ?.filter((sub) => !omitted(`${key}.${sub.name}`, changes, used))
    .map((sub) => deriveAttribute(sub, `${key}.`, changes, used));
  return { ...attribute, ...change, ...(subAttributes === undefined ? {} : { subAttributes }) };
}

function omitted(key: string, changes: SchemaChanges, used: Set<string>): boolean {
  if (!(changes.omit ?? []).includes(key)) return false;
  used.add(key);
  return true;
}

/**
 * A copy of `schema` with the provider's changes applied.
 *
 * @param schema - the standard schema
 * @param changes - attributes left out, replaced or with changed characteristics
 * @throws TypeError when a change names an attribute the schema does not have (a typo would silently change nothing)
 */
export function deriveSchema(schema: ScimSchema, changes: SchemaChanges): ScimSchema {
  const used = new Set<string>();
  const replacements = new Map((changes.replace ?? []).map((a) => [a.name, a]));
  const attributes = schema.attributes
    .filter((attribute) => !omitted(attribute.name, changes, used))
    .map((attribute) => {
      const replacement = replacements.get(attribute.name);
      if (replacement === undefined) return deriveAttribute(attribute, '', changes, used);
      used.add(`replace:${attribute.name}`);
      return replacement;
    });
  const named = [...(changes.omit ?? []), ...Object.keys(changes.change ?? {}), ...[...replacements.keys()].map((name) => `replace:${name}`)];
  const unknown = named.filter((key) => !used.has(key));
  if (unknown.length > 0) throw new TypeError(`deriveSchema(${schema.id}): no attribute ${unknown.join(', ')}`);
  return { ...schema, ...(changes.description === undefined ? {} : { description: changes.description }), attributes };
}
