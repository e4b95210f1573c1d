/**
 * Attribute path resolution against a resource type (RFC 7644 §3.10): case-insensitive names,
 * optional schema URN prefix, at most one sub-attribute level.
 */
import type { AttributePath } from '../filter/ast.ts';
import { parseAttributePath } from '../filter/attribute-path.ts';
import { COMMON_ATTRIBUTES, SCHEMAS_ATTRIBUTE } from './common.ts';
import type { AttributeDefinition, ResourceSchema, ScimSchema } from './types.ts';

export interface ResolvedAttribute {
  /** Canonical URN of the extension that holds the attribute; absent for core and common attributes. */
  readonly extension?: string;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
  /** The path in canonical form: schema spelling, URN only for extension attributes. */
  readonly path: AttributePath;
}

/** Per attribute list: lower-case name → first attribute of that name (rebuilt if the list's length changed). */
const byLowerName = new WeakMap<readonly AttributeDefinition[], { length: number; map: Map<string, AttributeDefinition> }>();

/**
 * Find an attribute by name, ignoring letter case (RFC 7643 §2.1). Every resource rendered or projected looks up each
 * of its attributes, so each list's names are folded once and kept in a map (the first of equal names wins, as
 * a linear search would find it).
 */
export function findAttribute(
  attributes: readonly AttributeDefinition[],
  name: string,
): AttributeDefinition | undefined {
  if (attributes.length === 0) return undefined;
  let index = byLowerName.get(attributes);
  if (index === undefined || index.length !== attributes.length) {
    const map = new Map<string, AttributeDefinition>();
    for (const attribute of attributes) {
      const key = attribute.name.toLowerCase();
      if (!map.has(key)) map.set(key, attribute);
    }
    index = { length: attributes.length, map };
    byLowerName.set(attributes, index);
  }
  return index.map.get(name.toLowerCase());
}

/** The schema extension of `schema` whose URN is `uri`, ignoring letter case. */
export function findExtension(schema: ResourceSchema, uri: string): ScimSchema | undefined {
  const lower = uri.toLowerCase();
  return schema.extensions.find((extension) => extension.schema.id.toLowerCase() === lower)?.schema;
}

const coreAttributeLists = new WeakMap<ResourceSchema, { source: readonly AttributeDefinition[]; list: readonly AttributeDefinition[] }>();

/**
 * Attributes addressable without a URN or with the core URN: `schemas`, the common ones, then the core schema's.
 * The same list object per resource type (so `findAttribute` indexes it once).
 */
export function coreAttributes(schema: ResourceSchema): readonly AttributeDefinition[] {
  const cached = coreAttributeLists.get(schema);
  if (cached !== undefined && cached.source === schema.core.attributes && cached.list.length === 1 + COMMON_ATTRIBUTES.length + schema.core.attributes.length) return cached.list;
  const list = [SCHEMAS_ATTRIBUTE, ...COMMON_ATTRIBUTES, ...schema.core.attributes];
  coreAttributeLists.set(schema, { source: schema.core.attributes, list });
  return list;
}

/**
 * Resolve an attribute path to its definition.
 *
 * A name without a URN is looked up in the core schema first and then in the extensions, in the
 * order the resource type lists them: Entra sends `manager` unqualified (Microsoft Learn, SCIM
 * tutorial, example 5), and RFC 7644 §3.10 only asks clients to qualify names that clash.
 *
 * @param schema - the resource type
 * @param path - parsed path or text such as `name.givenName` or `urn:…:enterprise:2.0:User:manager`
 * @returns the definition(s) and canonical path, or undefined when nothing matches
 */
export function resolveAttributePath(
  schema: ResourceSchema,
  path: AttributePath | string,
): ResolvedAttribute | undefined {
  const parsed = typeof path === 'string' ? parseAttributePath(path) : path;
  if (parsed === undefined) return undefined;
  const candidates: { extension?: string; attributes: readonly AttributeDefinition[] }[] = [];
  if (parsed.uri === undefined) {
    candidates.push({ attributes: coreAttributes(schema) });
    for (const { schema: extension } of schema.extensions) {
      candidates.push({ extension: extension.id, attributes: extension.attributes });
    }
  } else if (parsed.uri.toLowerCase() === schema.core.id.toLowerCase()) {
    candidates.push({ attributes: coreAttributes(schema) });
  } else {
    const extension = findExtension(schema, parsed.uri);
    if (extension !== undefined) candidates.push({ extension: extension.id, attributes: extension.attributes });
  }
  for (const candidate of candidates) {
    const attribute = findAttribute(candidate.attributes, parsed.name);
    if (attribute === undefined) continue;
    const subAttribute =
      parsed.subAttr === undefined ? undefined : findAttribute(attribute.subAttributes ?? [], parsed.subAttr);
    if (parsed.subAttr !== undefined && subAttribute === undefined) return undefined;
    const extension = candidate.extension;
    return {
      ...(extension === undefined ? {} : { extension }),
      attribute,
      ...(subAttribute === undefined ? {} : { subAttribute }),
      path: {
        ...(extension === undefined ? {} : { uri: extension }),
        name: attribute.name,
        ...(subAttribute === undefined ? {} : { subAttr: subAttribute.name }),
      },
    };
  }
  return undefined;
}
