/**
 * Builders for attribute definitions. They apply the RFC 7643 §2.2 defaults (string, single,
 * optional, caseExact false, readWrite, returned default, uniqueness none) so the schema files
 * list only what differs from them.
 */
import type { AttributeDefinition, AttributeType } from './types.ts';

type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'description' | 'subAttributes'>>;

/**
 * @param name - attribute name in its canonical spelling
 * @param description - text served at `/Schemas`
 * @param options - characteristics that differ from the RFC 7643 §2.2 defaults
 */
export function attribute(name: string, description: string, options: AttributeOptions = {}): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
    description,
  };
}

/**
 * @param name - attribute name in its canonical spelling
 * @param description - text served at `/Schemas`
 * @param subAttributes - the complex attribute's sub-attributes
 * @param options - characteristics that differ from the defaults
 */
export function complexAttribute(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  options: Omit<AttributeOptions, 'type'> = {},
): AttributeDefinition {
  return { ...attribute(name, description, { ...options, type: 'complex' }), subAttributes };
}

interface PluralOptions {
  /** Type of the `value` sub-attribute (string unless a reference or binary). */
  readonly valueType?: AttributeType;
  readonly valueDescription: string;
  readonly typeValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
}

/**
 * The multi-valued complex shape RFC 7643 §2.4 gives most plural attributes (`emails`,
 * `phoneNumbers`, `roles`, ...): `value`, `display`, `type` and `primary`.
 *
 * @param name - attribute name
 * @param description - text served at `/Schemas`
 * @param options - the `value` sub-attribute's type and text, and canonical `type` values
 */
export function pluralAttribute(name: string, description: string, options: PluralOptions): AttributeDefinition {
  const valueOptions: AttributeOptions = { type: options.valueType ?? 'string' };
  const value =
    options.referenceTypes === undefined
      ? attribute('value', options.valueDescription, valueOptions)
      : attribute('value', options.valueDescription, { ...valueOptions, referenceTypes: options.referenceTypes });
  const typeDescription = 'A label indicating the attribute\'s function.';
  return complexAttribute(
    name,
    description,
    [
      value,
      attribute('display', 'A human-readable name, primarily used for display purposes.'),
      options.typeValues === undefined
        ? attribute('type', typeDescription)
        : attribute('type', typeDescription, { canonicalValues: options.typeValues }),
      attribute('primary', 'Whether this is the primary value; "true" appears no more than once.', {
        type: 'boolean',
      }),
    ],
    { multiValued: true },
  );
}
