/**
 * Team sync with external groups (github-semantics.md §3.7, §4): remember which organization memberships exist only
 * because a linked team brought the member in. GitHub removes "users who became members of the organization via team
 * membership ... if they do not have membership in the organization by any other means" when a group is disconnected
 * (docs: managing-team-memberships-with-identity-provider-groups), so the origin has to be stored, not guessed.
 * `team_members.via_external_group` (0001) is the team-level twin of this flag.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('org_members')
    .addColumn('via_external_group', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The "does this user still have another team in the organization" check walks a user's team memberships.
  await db.schema.createIndex('team_members_user_via').on('team_members').columns(['user_id', 'via_external_group']).execute();
}
