/**
 * The foundation schema: enterprises, organizations, people, tokens, audit, runners and billing usage.
 * Portable types only; ids come from the database, timestamps from the app.
 */
import type { Kysely } from 'kysely';
import { doubleColumnType, idColumn, idColumnType, type DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const id = idColumnType(dialect);
  const pk = idColumn(dialect);
  const double = doubleColumnType(dialect);

  await db.schema
    .createTable('enterprises')
    .addColumn('id', id, pk)
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('slug_lower', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('shortcode', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('billing_cycle_day', 'integer', (c) => c.notNull())
    .addColumn('runner_group_seq', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', id, pk)
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('login_lower', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('site_admin', 'integer', (c) => c.notNull())
    .addColumn('managed_by_enterprise_id', 'integer', (c) => c.references('enterprises.id').onDelete('cascade'))
    .addColumn('suspended_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('enterprise_members')
    .addColumn('enterprise_id', 'integer', (c) => c.notNull().references('enterprises.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('enterprise_members_pk', ['enterprise_id', 'user_id'])
    .execute();
  await db.schema.createIndex('enterprise_members_user').on('enterprise_members').column('user_id').execute();

  await db.schema
    .createTable('organizations')
    .addColumn('id', id, pk)
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('login_lower', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('enterprise_id', 'integer', (c) => c.references('enterprises.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organizations_enterprise').on('organizations').column('enterprise_id').execute();

  await db.schema
    .createTable('org_members')
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_members_pk', ['org_id', 'user_id'])
    .execute();
  await db.schema.createIndex('org_members_user').on('org_members').column('user_id').execute();

  await db.schema
    .createTable('org_invitations')
    .addColumn('id', id, pk)
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('invitee_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('login', 'text')
    .addColumn('email', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('inviter_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('org_invitations_org').on('org_invitations').columns(['org_id', 'id']).execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', id, pk)
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('privacy', 'text', (c) => c.notNull())
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'integer', (c) => c.references('teams.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('teams_org_slug', ['org_id', 'slug'])
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('via_external_group', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();
  await db.schema.createIndex('team_members_user').on('team_members').column('user_id').execute();

  await db.schema
    .createTable('access_tokens')
    .addColumn('id', id, pk)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_last_eight', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', id, pk)
    .addColumn('document_id', 'text', (c) => c.notNull().unique())
    .addColumn('enterprise_id', 'integer', (c) => c.references('enterprises.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor', 'text')
    .addColumn('user_id', 'integer')
    .addColumn('user', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_enterprise').on('audit_events').columns(['enterprise_id', 'id']).execute();
  await db.schema.createIndex('audit_events_org').on('audit_events').columns(['org_id', 'id']).execute();

  await db.schema
    .createTable('runner_groups')
    .addColumn('id', id, pk)
    .addColumn('enterprise_id', 'integer', (c) => c.notNull().references('enterprises.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('allows_public_repositories', 'integer', (c) => c.notNull())
    .addColumn('restricted_to_workflows', 'integer', (c) => c.notNull())
    .addColumn('selected_workflows', 'text', (c) => c.notNull())
    .addColumn('workflow_restrictions_read_only', 'integer', (c) => c.notNull())
    .addColumn('network_configuration_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('runner_groups_enterprise_number', ['enterprise_id', 'number'])
    .addUniqueConstraint('runner_groups_enterprise_name', ['enterprise_id', 'name_lower'])
    .execute();

  await db.schema
    .createTable('runner_group_orgs')
    .addColumn('runner_group_id', 'integer', (c) => c.notNull().references('runner_groups.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('runner_group_orgs_pk', ['runner_group_id', 'org_id'])
    .execute();
  await db.schema.createIndex('runner_group_orgs_org').on('runner_group_orgs').column('org_id').execute();

  await db.schema
    .createTable('runners')
    .addColumn('id', id, pk)
    .addColumn('enterprise_id', 'integer', (c) => c.notNull().references('enterprises.id').onDelete('cascade'))
    .addColumn('runner_group_id', 'integer', (c) => c.notNull().references('runner_groups.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('os', 'text', (c) => c.notNull())
    .addColumn('architecture', 'text', (c) => c.notNull())
    .addColumn('busy', 'integer', (c) => c.notNull())
    .addColumn('ephemeral', 'integer', (c) => c.notNull())
    .addColumn('version', 'text')
    .addColumn('last_seen_at', 'text')
    .addColumn('credential_hash', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('runners_enterprise_name', ['enterprise_id', 'name_lower'])
    .execute();
  await db.schema.createIndex('runners_group').on('runners').columns(['runner_group_id', 'id']).execute();
  await db.schema.createIndex('runners_enterprise').on('runners').columns(['enterprise_id', 'id']).execute();

  await db.schema
    .createTable('runner_labels')
    .addColumn('id', id, pk)
    .addColumn('runner_id', 'integer', (c) => c.notNull().references('runners.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addUniqueConstraint('runner_labels_runner_name', ['runner_id', 'name_lower'])
    .execute();

  await db.schema
    .createTable('runner_tokens')
    .addColumn('id', id, pk)
    .addColumn('enterprise_id', 'integer', (c) => c.notNull().references('enterprises.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('usage_records')
    .addColumn('id', id, pk)
    .addColumn('enterprise_id', 'integer', (c) => c.notNull().references('enterprises.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('repository', 'text')
    .addColumn('usage_date', 'text', (c) => c.notNull())
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('quantity', double, (c) => c.notNull())
    .addColumn('self_hosted', 'integer', (c) => c.notNull())
    .addColumn('public_repository', 'integer', (c) => c.notNull())
    .addColumn('runner_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('usage_records_enterprise_date').on('usage_records').columns(['enterprise_id', 'usage_date']).execute();
}
