/**
 * Discovery documents of a dialect (RFC 7644 §4; RFC 7643 §5–§7), rendered from its data: `/ServiceProviderConfig`
 * says truthfully what the server does (PATCH and filters yes, with `maxResults` the largest page; bulk, password
 * change and sorting no; ETags yes), `/ResourceTypes` and `/Schemas` come from the dialect's resource schemas.
 */
import {
  buildListResponse,
  collectSchemas,
  toResourceTypeRepresentation,
  toSchemaRepresentation,
  type ResourceSchema,
} from '../engine/index.ts';
import type { ScimDialect } from '../dialects/dialect.ts';

export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

export function resourceTypesOf(dialect: ScimDialect): ResourceSchema[] {
  const { userSchema, groupSchema } = dialect.rules;
  return groupSchema === undefined ? [userSchema] : [userSchema, groupSchema];
}

export function serviceProviderConfig(dialect: ScimDialect, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: dialect.docsUrl,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: dialect.list.maxCount },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: `A GitHub personal access token (classic) with ${dialect.scopes.join(' or ')}, sent as "Authorization: Bearer <token>"`,
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        documentationUri: dialect.docsUrl,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypeList(dialect: ScimDialect, baseUrl: string) {
  const types = resourceTypesOf(dialect).map((r) => toResourceTypeRepresentation(r, baseUrl));
  return buildListResponse(types, types.length, 1);
}

export function resourceType(dialect: ScimDialect, baseUrl: string, name: string) {
  const found = resourceTypesOf(dialect).find((r) => r.name === name);
  return found === undefined ? undefined : toResourceTypeRepresentation(found, baseUrl);
}

export function schemaList(dialect: ScimDialect, baseUrl: string) {
  const schemas = collectSchemas(resourceTypesOf(dialect)).map((s) => toSchemaRepresentation(s, baseUrl));
  return buildListResponse(schemas, schemas.length, 1);
}

export function schemaById(dialect: ScimDialect, baseUrl: string, id: string) {
  const found = collectSchemas(resourceTypesOf(dialect)).find((s) => s.id.toLowerCase() === id.toLowerCase());
  return found === undefined ? undefined : toSchemaRepresentation(found, baseUrl);
}
