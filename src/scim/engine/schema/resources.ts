/** The standard resource types (RFC 7643 §6, §8.6) built from the core schemas. */
import { ENTERPRISE_USER_SCHEMA } from './enterprise-user.ts';
import { GROUP_SCHEMA } from './group.ts';
import type { ResourceSchema } from './types.ts';
import { USER_SCHEMA } from './user.ts';

export const USER_RESOURCE: ResourceSchema = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  core: USER_SCHEMA,
  extensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
};

export const GROUP_RESOURCE: ResourceSchema = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  core: GROUP_SCHEMA,
  extensions: [],
};
