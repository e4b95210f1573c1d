/**
 * What the classic and organization SCIM dialects did to organizations, so that deprovisioning undoes exactly that
 * (github-semantics.md §3.1: `active: false` "removes the user from the enterprise [organization], deletes the external
 * identity"; removing a member from a classic group removes the organization access the group gave):
 * - `scim_org_grants`: one row per SCIM identity and organization it was given access to, with the invitation it
 *   created (`invitation_id`, nulled when the invitation is accepted or cancelled) and the account whose membership is
 *   the identity's doing (`member_user_id`: an account SCIM invited or added; null when the account was already a
 *   member or already invited, which SCIM then leaves alone). `group_id` is the classic group that gave the access.
 *   The 0006 `org_members.via_external_group` flag is team sync's and says nothing about SCIM, hence a table.
 * - `scim_classic_group_orgs`: the organization a classic group stands for ("SCIM groups are matched with GitHub
 *   organizations that have the exact same name", seed 000). `org_id` is unique: two groups cannot claim one
 *   organization, also not two concurrent POSTs.
 * Types: `src/domain/scim/org/tables.ts` (seen through `withTables`, like 0007's).
 */
import type { Kysely } from 'kysely';
import { idColumn, idColumnType, type DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('scim_org_grants')
    .addColumn('id', idColumnType(dialect), idColumn(dialect))
    .addColumn('scim_user_id', 'integer', (c) => c.notNull().references('scim_users.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) => c.references('scim_groups.id').onDelete('cascade'))
    .addColumn('invitation_id', 'integer', (c) => c.references('org_invitations.id').onDelete('set null'))
    .addColumn('member_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('scim_org_grants_identity_org', ['scim_user_id', 'org_id'])
    .execute();
  await db.schema.createIndex('scim_org_grants_org').on('scim_org_grants').column('org_id').execute();
  await db.schema.createIndex('scim_org_grants_group').on('scim_org_grants').column('group_id').execute();
  await db.schema.createIndex('scim_org_grants_invitation').on('scim_org_grants').column('invitation_id').execute();

  await db.schema
    .createTable('scim_classic_group_orgs')
    .addColumn('group_id', 'integer', (c) => c.primaryKey().references('scim_groups.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (c) => c.notNull().unique().references('organizations.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
