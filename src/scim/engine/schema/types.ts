/**
 * The SCIM attribute model as data (RFC 7643 §2, §7). One definition drives filter validation,
 * PATCH path resolution, input coercion, response projection and the `/Schemas` endpoint.
 */

/** RFC 7643 §2.3 data types. `binary` is kept because `x509Certificates.value` uses it. */
export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'reference'
  | 'binary'
  | 'complex';

/** RFC 7643 §7 "mutability". */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

/** RFC 7643 §7 "returned". */
export type Returned = 'always' | 'never' | 'default' | 'request';

/** RFC 7643 §7 "uniqueness". */
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly required: boolean;
  /** Whether string comparisons are case-sensitive (filters, PATCH value matching). */
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  /** Present exactly when `type` is `complex`; SCIM allows only one level (RFC 7643 §2.3.8). */
  readonly subAttributes?: readonly AttributeDefinition[];
  readonly canonicalValues?: readonly string[];
  /** For `reference` attributes: `User`, `Group`, `external`, `uri`, ... (RFC 7643 §7). */
  readonly referenceTypes?: readonly string[];
  readonly description: string;
}

/** A schema as served at `/Schemas/{id}`. */
export interface ScimSchema {
  /** The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface SchemaExtension {
  readonly schema: ScimSchema;
  readonly required: boolean;
}

/**
 * A resource type (RFC 7643 §6): its core schema and extensions. This is what filters, PATCH and
 * projection are evaluated against.
 */
export interface ResourceSchema {
  /** Resource type name and id, e.g. `User`. */
  readonly name: string;
  /** Endpoint relative to the SCIM base, e.g. `/Users`. */
  readonly endpoint: string;
  readonly description: string;
  readonly core: ScimSchema;
  readonly extensions: readonly SchemaExtension[];
}
