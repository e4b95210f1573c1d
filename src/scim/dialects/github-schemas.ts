/**
 * The core User and Group schemas as GitHub's SCIM dialects serve them: what `/Schemas` describes is what the
 * dialect does (RFC 7643 §7: the provider's schema lists the attributes it supports, with the characteristics it
 * applies). What every dialect shares is here; each dialect file adds its own changes.
 *
 * Users:
 * - no `password`: GitHub accounts provisioned by SCIM sign in through the identity provider, and
 *   ServiceProviderConfig says `changePassword: false`; a password sent is dropped like any unknown attribute, never
 *   stored;
 * - `active` and `emails` are `returned: always`: GitHub's SCIM user response schema requires them, so they come
 *   back even under `attributes=` (https://docs.github.com/enterprise-cloud@latest/rest/enterprise-admin/scim).
 *
 * Groups: a member's `display` (the member's `displayName`, or `userName`), `$ref` (its location) are maintained by
 * the service provider, and no `type` is stored: all three are `readOnly` (what a client sends for them is ignored);
 * a member is written by its `value` only.
 */
import {
  GROUP_SCHEMA,
  USER_SCHEMA,
  deriveSchema,
  type ResourceSchema,
  type SchemaChanges,
} from '../engine/index.ts';

const USER_CHANGES: SchemaChanges = {
  omit: ['password'],
  change: {
    active: { returned: 'always' },
    emails: { returned: 'always' },
  },
};

const GROUP_CHANGES: SchemaChanges = {
  change: {
    'members.$ref': { mutability: 'readOnly' },
    'members.display': { mutability: 'readOnly', description: "The member's displayName, or its userName; maintained by the service provider." },
    'members.type': { mutability: 'readOnly', description: 'Not stored: every member is a User.' },
  },
};

function merged(base: SchemaChanges, own: SchemaChanges): SchemaChanges {
  const change: Record<string, NonNullable<SchemaChanges['change']>[string]> = { ...base.change };
  for (const [key, value] of Object.entries(own.change ?? {})) change[key] = { ...change[key], ...value };
  return {
    omit: [...(base.omit ?? []), ...(own.omit ?? [])],
    change,
    replace: [...(base.replace ?? []), ...(own.replace ?? [])],
    ...(own.description === undefined ? {} : { description: own.description }),
  };
}

/**
 * A dialect's User resource type: the core User schema with the changes every dialect makes and its own; no
 * schema extensions (GitHub lists only the core User schema as supported).
 *
 * @param own - the dialect's changes
 */
export function githubUserResource(own: SchemaChanges = {}): ResourceSchema {
  return { name: 'User', endpoint: '/Users', description: 'User Account', core: deriveSchema(USER_SCHEMA, merged(USER_CHANGES, own)), extensions: [] };
}

/**
 * A dialect's Group resource type: the core Group schema with the changes every dialect makes and its own.
 *
 * @param own - the dialect's changes
 */
export function githubGroupResource(own: SchemaChanges = {}): ResourceSchema {
  return { name: 'Group', endpoint: '/Groups', description: 'Group', core: deriveSchema(GROUP_SCHEMA, merged(GROUP_CHANGES, own)), extensions: [] };
}
