/**
 * SCIM identities and groups, and the links from teams to the external groups SCIM groups become.
 * Integer primary keys for joins (a group of 100,000 members is 100,000 narrow rows); the SCIM `id` is a separate
 * UUID column. `scope` (`enterprise:<id>` or `org:<id>`) is the tenant uniqueness is kept within.
 */
import type { Kysely } from 'kysely';
import { idColumn, idColumnType, type DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const id = idColumnType(dialect);
  const pk = idColumn(dialect);

  await db.schema
    .createTable('scim_users')
    .addColumn('id', id, pk)
    .addColumn('scim_id', 'text', (c) => c.notNull().unique())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('dialect', 'text', (c) => c.notNull())
    .addColumn('enterprise_id', 'integer', (c) => c.references('enterprises.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('user_name_lower', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('display_name', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('scim_users_scope_user_name', ['scope', 'user_name_lower'])
    .addUniqueConstraint('scim_users_scope_external_id', ['scope', 'external_id'])
    .execute();
  await db.schema.createIndex('scim_users_scope_order').on('scim_users').columns(['scope', 'id']).execute();
  await db.schema.createIndex('scim_users_user').on('scim_users').column('user_id').execute();

  await db.schema
    .createTable('scim_groups')
    .addColumn('id', id, pk)
    .addColumn('scim_id', 'text', (c) => c.notNull().unique())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('dialect', 'text', (c) => c.notNull())
    .addColumn('enterprise_id', 'integer', (c) => c.references('enterprises.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('display_name_lower', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('scim_groups_scope_external_id', ['scope', 'external_id'])
    .execute();
  await db.schema.createIndex('scim_groups_scope_order').on('scim_groups').columns(['scope', 'id']).execute();
  await db.schema.createIndex('scim_groups_scope_name').on('scim_groups').columns(['scope', 'display_name_lower']).execute();

  await db.schema
    .createTable('scim_group_members')
    .addColumn('group_id', 'integer', (c) => c.notNull().references('scim_groups.id').onDelete('cascade'))
    .addColumn('scim_user_id', 'integer', (c) => c.notNull().references('scim_users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('scim_group_members_pk', ['group_id', 'scim_user_id'])
    .execute();
  await db.schema.createIndex('scim_group_members_user').on('scim_group_members').column('scim_user_id').execute();

  await db.schema
    .createTable('team_external_groups')
    .addColumn('team_id', 'integer', (c) => c.primaryKey().references('teams.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) => c.notNull().references('scim_groups.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('team_external_groups_group').on('team_external_groups').column('group_id').execute();
}
