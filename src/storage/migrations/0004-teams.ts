/**
 * Teams and organization invitations, beyond the foundation tables:
 * - `teams.notification_setting` (GitHub's `notifications_enabled|notifications_disabled`, default enabled);
 * - `org_invitation_teams`: the teams a pending invitation will join, with the team role, because GitHub's
 *   "add team membership" for a non-member invites them to the organization and keeps the team membership `pending`
 *   until the invitation is accepted (docs.github.com/rest/teams/members#add-or-update-team-membership-for-a-user);
 * - indexes for the nesting walk (`teams.parent_id`) and the invitee lookup (`org_invitations.invitee_id`).
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('teams')
    .addColumn('notification_setting', 'text', (c) => c.notNull().defaultTo('notifications_enabled'))
    .execute();
  await db.schema.createIndex('teams_parent').on('teams').column('parent_id').execute();
  await db.schema.createIndex('org_invitations_invitee').on('org_invitations').columns(['invitee_id', 'org_id']).execute();

  await db.schema
    .createTable('org_invitation_teams')
    .addColumn('invitation_id', 'integer', (c) => c.notNull().references('org_invitations.id').onDelete('cascade'))
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_invitation_teams_pk', ['invitation_id', 'team_id'])
    .execute();
  await db.schema.createIndex('org_invitation_teams_team').on('org_invitation_teams').column('team_id').execute();
}
