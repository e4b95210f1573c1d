/**
 * Gatehouse SCIM engine: RFC 7643/7644 as a protocol-pure library. It imports only its own
 * files; the HTTP routes and the SQL filter compiler are built on top of it.
 *
 * - schema: the attribute model as data (RFC 7643 §2, §4, §7) and discovery documents (§6, §7)
 * - filter: parse, validate, evaluate and print filters (RFC 7644 §3.4.2.2)
 * - patch: parse and apply PatchOp requests, or plan Group PATCHes as deltas (RFC 7644 §3.5.2)
 * - list: paging, ListResponse and projection (RFC 7644 §3.4.2.4, §3.4.2.5, §3.9)
 * - errors: `ScimError` and the error body (RFC 7644 §3.12)
 * - coerce: normalisation of what identity providers actually send
 *
 * @module
 */

export { ScimError, toScimErrorBody, ERROR_SCHEMA, DEFAULT_DOCUMENTATION_URL } from './errors.ts';
export type { ScimType, ScimErrorBody } from './errors.ts';

export { isJsonObject, jsonEquals } from './json.ts';
export type { JsonObject, JsonPrimitive, JsonValue } from './json.ts';

export type {
  AttributeDefinition,
  AttributeType,
  Mutability,
  ResourceSchema,
  Returned,
  SchemaExtension,
  ScimSchema,
  Uniqueness,
} from './schema/types.ts';
export { attribute, complexAttribute, pluralAttribute } from './schema/define.ts';
export { COMMON_ATTRIBUTES, SCHEMAS_ATTRIBUTE } from './schema/common.ts';
export { USER_SCHEMA, USER_SCHEMA_ID } from './schema/user.ts';
export { ENTERPRISE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA_ID } from './schema/enterprise-user.ts';
export { GROUP_SCHEMA, GROUP_SCHEMA_ID } from './schema/group.ts';
export { USER_RESOURCE, GROUP_RESOURCE } from './schema/resources.ts';
export { deriveSchema } from './schema/derive.ts';
export type { AttributeChange, SchemaChanges } from './schema/derive.ts';
export { findAttribute, findExtension, resolveAttributePath } from './schema/resolve.ts';
export type { ResolvedAttribute } from './schema/resolve.ts';
export {
  collectSchemas,
  toResourceTypeRepresentation,
  toSchemaRepresentation,
  RESOURCE_TYPE_SCHEMA_ID,
  SCHEMA_SCHEMA_ID,
} from './schema/render.ts';
export type { AttributeRepresentation, ResourceTypeRepresentation, SchemaRepresentation } from './schema/render.ts';

export type {
  AttributePath,
  ComparisonNode,
  ComparisonOperator,
  ComparisonValue,
  FilterNode,
  LogicalNode,
  NotNode,
  PatchPath,
  PresentNode,
  ValuePathNode,
} from './filter/ast.ts';
export { MAX_FILTER_TERMS, parseFilter, parsePatchPath } from './filter/parser.ts';
export { formatFilter, formatPatchPath } from './filter/format.ts';
export { formatAttributePath, parseAttributePath } from './filter/attribute-path.ts';
export { validateFilter, validateValueFilter } from './filter/validate.ts';
export { compileFilterPredicate, evaluateFilter, matchesElement } from './filter/evaluate.ts';

export { parsePatchRequest, PATCH_OP_SCHEMA } from './patch/request.ts';
export type { ParsePatchOptions, PatchOperation, PatchOpName, PatchRequest } from './patch/request.ts';
export { applyPatch } from './patch/apply.ts';
export type { MemberChanges, PatchOptions, PatchResult } from './patch/apply.ts';
export { planGroupPatch } from './patch/plan.ts';
export type { GroupPatchPlan, MemberOperation } from './patch/plan.ts';

export {
  buildListResponse,
  isAttributeReturned,
  parseListParams,
  parseProjection,
  projectResource,
  slicePage,
  LIST_RESPONSE_SCHEMA,
} from './list.ts';
export type { ListParamOptions, ListParams, ListResponse, Projection } from './list.ts';

export { coerceAttributeValue, coerceBoolean, elementsFromStrings, isDateTime, normalizeResource } from './coerce.ts';
export type { NormalizeOptions } from './coerce.ts';
