/**
 * Stored identities and groups → SCIM resources on the wire (RFC 7643 §3, §4): `id`, derived `groups` / `members`,
 * and `meta` (`resourceType`, `created`, `lastModified`, `location`, `version` = the weak ETag `W/"<version>"`).
 * Then `attributes` / `excludedAttributes` projection, keeping what the dialect's response schema requires.
 */
import type { GroupView } from '../../domain/scim/groups.ts';
import type { ScimTenant } from '../../domain/scim/types.ts';
import type { UserView } from '../../domain/scim/users.ts';
import { isAttributeReturned, projectResource, type JsonObject, type Projection } from '../engine/index.ts';
import type { ScimDialect, ScimResourceKind } from '../dialects/dialect.ts';

/** The weak entity tag of a version (RFC 7644 §3.14). */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

function meta(resourceType: ScimResourceKind, location: string, created: string, lastModified: string, version: number): JsonObject {
  return { resourceType, created, lastModified, location, version: etagOf(version) };
}

export function userLocation(tenant: ScimTenant, scimId: string): string {
  return `${tenant.baseUrl}/Users/${scimId}`;
}

export function groupLocation(tenant: ScimTenant, scimId: string): string {
  return `${tenant.baseUrl}/Groups/${scimId}`;
}

/** The full User: stored attributes, `id`, `groups` (when loaded and non-empty) and `meta`. */
export function userResource(view: UserView, tenant: ScimTenant, dialect: ScimDialect): JsonObject {
  const { user } = view;
  const present = dialect.rules.users.present;
  const { schemas, ...rest } = present === undefined ? user.resource : present(user.resource);
  const out: JsonObject = { schemas: schemas ?? [dialect.rules.userSchema.core.id], id: user.scimId, ...rest };
  if (view.groups !== undefined && view.groups.length > 0) {
    out.groups = view.groups.map((g) => ({ value: g.scimId, $ref: groupLocation(tenant, g.scimId), display: g.displayName }));
  }
  out.meta = meta('User', userLocation(tenant, user.scimId), user.created, user.lastModified, user.version);
  return out;
}

/** The full Group: stored attributes, `id`, `members` (when loaded; `[]` for an empty group) and `meta`. */
export function groupResource(view: GroupView, tenant: ScimTenant, dialect: ScimDialect): JsonObject {
  const { group } = view;
  const { schemas, ...rest } = group.resource;
  const groupSchema = dialect.rules.groupSchema;
  const out: JsonObject = { schemas: schemas ?? (groupSchema === undefined ? [] : [groupSchema.core.id]), id: group.scimId, ...rest };
  if (view.members !== undefined) {
    out.members = view.members.map((m) => ({ value: m.scimId, $ref: userLocation(tenant, m.scimId), display: m.display }));
  }
  out.meta = meta('Group', groupLocation(tenant, group.scimId), group.created, group.lastModified, group.version);
  return out;
}

/**
 * Applies `attributes` / `excludedAttributes` (RFC 7644 §3.9), then puts back what the dialect's response schema
 * requires (`requiredInResponse`; an absent multi-valued one as `[]`). A group's empty `members` stays as `[]` when
 * members are returned, so an emptied group reads as empty rather than as "members not sent". Key order is kept.
 */
export function project(resource: JsonObject, kind: ScimResourceKind, dialect: ScimDialect, projection: Projection): JsonObject {
  const schema = kind === 'User' ? dialect.rules.userSchema : dialect.rules.groupSchema;
  if (schema === undefined) return resource;
  const projected = projectResource(resource, schema, projection);
  const required = dialect.requiredInResponse[kind];
  const emptyMembers = kind === 'Group' && Array.isArray(resource.members) && resource.members.length === 0 && isAttributeReturned(schema, projection, 'members');
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    const kept = projected[key];
    if (kept !== undefined) out[key] = kept;
    else if (required.includes(key) || (key === 'members' && emptyMembers)) out[key] = value;
  }
  for (const name of required) {
    if (out[name] === undefined && (name === 'emails' || name === 'members')) out[name] = [];
  }
  return out;
}
