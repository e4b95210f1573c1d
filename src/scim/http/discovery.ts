/**
 * Discovery documents of a dialect (RFC 7644 §4; RFC 7643 §5–§7), rendered from its data: `/ServiceProviderConfig`
 * says truthfully what the server does (PATCH and filters yes, with `maxResults` the largest page; bulk (no `/Bulk`
 * endpoint), password change (no `password` attribute) and sorting (`sortBy` is ignored) no; ETags yes),
 * `/ResourceTypes` lists the resource types the dialect serves and `/Schemas` their schemas, which are the very
 * schemas that drive the dialect's behaviour (`src/scim/dialects/github-schemas.ts`); with `config.strictScim`, the
 * attributes the dialect then also requires (`ScimDialect.strictRequired`) are shown as `required`.
 */
import {
  buildListResponse,
  collectSchemas,
  deriveSchema,
  toResourceTypeRepresentation,
  toSchemaRepresentation,
  type ResourceSchema,
} from '../engine/index.ts';
import type { ScimDialect, ScimResourceKind } from '../dialects/dialect.ts';

export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** The resource types of a dialect as its discovery documents show them, in strict mode (computed once). */
const strictTypes = new WeakMap<ScimDialect, ResourceSchema[]>();

function withStrictRequired(resource: ResourceSchema, required: readonly string[]): ResourceSchema {
  if (required.length === 0) return resource;
  const change = Object.fromEntries(required.map((path) => [path, { required: true }]));
  return { ...resource, core: deriveSchema(resource.core, { change }) };
}

/**
 * The resource types a dialect serves (only Users for a dialect without Groups).
 *
 * @param dialect - the dialect
 * @param strict - `config.strictScim`: show what strict mode also requires as `required`
 */
export function resourceTypesOf(dialect: ScimDialect, strict = false): ResourceSchema[] {
  const { userSchema, groupSchema } = dialect.rules;
  const types = groupSchema === undefined ? [userSchema] : [userSchema, groupSchema];
  if (!strict) return types;
  let shown = strictTypes.get(dialect);
  if (shown === undefined) {
    shown = types.map((type) => withStrictRequired(type, dialect.strictRequired[type.name as ScimResourceKind]));
    strictTypes.set(dialect, shown);
  }
  return shown;
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

export function schemaList(dialect: ScimDialect, baseUrl: string, strict = false) {
  const schemas = collectSchemas(resourceTypesOf(dialect, strict)).map((s) => toSchemaRepresentation(s, baseUrl));
  return buildListResponse(schemas, schemas.length, 1);
}

export function schemaById(dialect: ScimDialect, baseUrl: string, id: string, strict = false) {
  const found = collectSchemas(resourceTypesOf(dialect, strict)).find((s) => s.id.toLowerCase() === id.toLowerCase());
  return found === undefined ? undefined : toSchemaRepresentation(found, baseUrl);
}
