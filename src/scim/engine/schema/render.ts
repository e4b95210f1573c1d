/**
 * Discovery documents rendered from the schema data: `/Schemas` entries (RFC 7643 §7) and
 * `/ResourceTypes` entries (RFC 7643 §6), both served through RFC 7644 §4.
 */
import type { AttributeDefinition, ResourceSchema, ScimSchema } from './types.ts';

export const SCHEMA_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
export const RESOURCE_TYPE_SCHEMA_ID = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';

export interface AttributeRepresentation {
  name: string;
  type: AttributeDefinition['type'];
  multiValued: boolean;
  description: string;
  required: boolean;
  subAttributes?: AttributeRepresentation[];
  canonicalValues?: string[];
  caseExact?: boolean;
  mutability: AttributeDefinition['mutability'];
  returned: AttributeDefinition['returned'];
  uniqueness: AttributeDefinition['uniqueness'];
  referenceTypes?: string[];
}

export interface SchemaRepresentation {
  schemas: [typeof SCHEMA_SCHEMA_ID];
  id: string;
  name: string;
  description: string;
  attributes: AttributeRepresentation[];
  meta: { resourceType: 'Schema'; location: string };
}

export interface ResourceTypeRepresentation {
  schemas: [typeof RESOURCE_TYPE_SCHEMA_ID];
  id: string;
  name: string;
  endpoint: string;
  description: string;
  schema: string;
  schemaExtensions: { schema: string; required: boolean }[];
  meta: { resourceType: 'ResourceType'; location: string };
}

function trimBase(baseLocation: string): string {
  return baseLocation.replace(/\/+$/, '');
}

/** Key order follows the RFC 7643 §8.7.1 listings, so output diffs cleanly against them. */
function renderAttribute(attribute: AttributeDefinition): AttributeRepresentation {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    ...(attribute.subAttributes === undefined ? {} : { subAttributes: attribute.subAttributes.map(renderAttribute) }),
    ...(attribute.canonicalValues === undefined ? {} : { canonicalValues: [...attribute.canonicalValues] }),
    // §8.7.1 gives caseExact to every attribute except complex ones, which have no value to compare.
    ...(attribute.type === 'complex' ? {} : { caseExact: attribute.caseExact }),
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.referenceTypes === undefined ? {} : { referenceTypes: [...attribute.referenceTypes] }),
  };
}

/**
 * The `/Schemas/{id}` representation of a schema (RFC 7643 §7).
 *
 * @param schema - the schema to describe
 * @param baseLocation - SCIM base URL, e.g. `https://host/scim/v2`; a trailing slash is ignored
 */
export function toSchemaRepresentation(schema: ScimSchema, baseLocation: string): SchemaRepresentation {
  return {
    schemas: [SCHEMA_SCHEMA_ID],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(renderAttribute),
    meta: { resourceType: 'Schema', location: `${trimBase(baseLocation)}/Schemas/${schema.id}` },
  };
}

/**
 * The `/ResourceTypes/{name}` representation of a resource type (RFC 7643 §6).
 *
 * @param resource - the resource type
 * @param baseLocation - SCIM base URL; a trailing slash is ignored
 */
export function toResourceTypeRepresentation(
  resource: ResourceSchema,
  baseLocation: string,
): ResourceTypeRepresentation {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA_ID],
    id: resource.name,
    name: resource.name,
    endpoint: resource.endpoint,
    description: resource.description,
    schema: resource.core.id,
    schemaExtensions: resource.extensions.map(({ schema, required }) => ({ schema: schema.id, required })),
    meta: { resourceType: 'ResourceType', location: `${trimBase(baseLocation)}/ResourceTypes/${resource.name}` },
  };
}

/**
 * Every schema the resource types use, core schemas first, each once: the `/Schemas` listing.
 *
 * @param resources - the resource types a dialect serves
 */
export function collectSchemas(resources: readonly ResourceSchema[]): ScimSchema[] {
  const byId = new Map<string, ScimSchema>();
  for (const resource of resources) byId.set(resource.core.id, resource.core);
  for (const resource of resources) {
    for (const { schema } of resource.extensions) byId.set(schema.id, schema);
  }
  return [...byId.values()];
}
