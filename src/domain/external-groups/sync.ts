/**
 * Keeping teams in step with the external groups SCIM provisions (github-semantics.md §3.7, §4). The managed SCIM
 * dialect calls these inside the transaction of every group or user change, so a linked team never disagrees with its
 * group. Ids are GitHub account ids (`users.id`) and external group ids (`scim_groups.id`).
 *
 * What GitHub documents (docs: managing-team-memberships-with-identity-provider-groups, deprovisioning-and-reinstating-users):
 * - a user joining a linked team in an organization they are not a member of is added to the organization
 *   (`org.add_member` + `team.add_member`);
 * - removal from the group removes the user from the team (`team.remove_member`), and from the organization when that
 *   was how they joined it and nothing else keeps them there (`org.remove_member`); deleting a group does the same for
 *   every linked team;
 * - suspended users are hidden from all groups and leave the mapped teams; reactivation puts them back;
 * - the audit actor is the account SCIM acts as (the setup user), passed here as `actor`.
 * Every function only touches the rows of the users and teams concerned, with a fixed number of set-based statements
 * for all the teams concerned (`addToTeamsViaGroup`, `removeFromTeamsViaGroup`), and moves the group's `updated_at`,
 * which the external-group REST shape reports.
 */
import type { Actor, Db, DomainContext } from '../context.ts';
import {
  activeUserIds,
  addToTeamsViaGroup,
  chunks,
  lockGroups,
  removeFromTeamsViaGroup,
  selectGroupIdsOfUser,
  selectLinkedTeams,
  selectTeamsJoinedViaGroup,
  selectTeamScope,
  selectTeamsLinkedToAny,
  touchGroups,
  userIds,
} from './repository.ts';
import { stampOf, unlinkTeamInTransaction } from './service.ts';

export interface GroupMemberChange {
  addedUserIds: readonly number[];
  removedUserIds: readonly number[];
}

export interface SyncOptions {
  /**
   * The caller has already written the group's row in this transaction, setting `updated_at` to now (the SCIM layer
   * does, bumping the group's version): that write holds the row lock the hook would take, so the hook does not
   * write the row again.
   */
  groupTouched?: boolean;
}

/**
 * Members were added to or removed from an external group. Every team linked to the group follows: removed users
 * leave it (and the organization, when they joined it only through linked teams and keep none), added users who are
 * active join it (and the organization). Works for one member (an Entra PATCH) or thousands (an Okta PUT), in chunks.
 * Whatever the number of linked teams, one member added costs the `updated_at` update (unless `groupTouched`), the
 * linked-teams lookup and three statements (audit events, organization rows, team rows); one removed, the same.
 */
export async function syncGroupMembers(db: Db, ctx: DomainContext, groupId: number, change: GroupMemberChange, actor: Actor | null, options: SyncOptions = {}): Promise<void> {
  const removed = [...new Set(change.removedUserIds)];
  const removedSet = new Set(removed);
  const added = [...new Set(change.addedUserIds)].filter((id) => !removedSet.has(id));
  if (removed.length === 0 && added.length === 0) return;
  const stamp = stampOf(ctx, actor);
  // The row lock comes before the team list is read (see `touchGroups`).
  if (options.groupTouched !== true) await touchGroups(db, [groupId], stamp.atIso);
  const teams = await selectLinkedTeams(db, groupId);
  if (teams.length === 0) return;
  for (const ids of chunks(removed)) await removeFromTeamsViaGroup(db, ctx.dialect, teams, userIds(ids), stamp);
  for (const ids of chunks(added)) await addToTeamsViaGroup(db, ctx.dialect, teams, activeUserIds(ids), stamp);
}

/**
 * An external group is about to be deleted (call before deleting its rows): every linked team is unlinked as
 * `DELETE …/external-groups` would (members leave the team, and the organization when they joined only that way).
 */
export async function syncGroupDeleted(db: Db, ctx: DomainContext, groupId: number, actor: Actor | null): Promise<void> {
  await lockGroups(db, [groupId]);
  for (const team of await selectLinkedTeams(db, groupId)) {
    await unlinkTeamInTransaction(db, ctx, team, actor, 'group_deleted');
  }
}

/** An external group's name or other attributes changed: its `updated_at` moves (membership is synced separately). */
export async function syncGroupUpdated(db: Db, ctx: DomainContext, groupId: number, _actor: Actor | null): Promise<void> {
  await touchGroups(db, [groupId], stampOf(ctx, null).atIso);
}

/**
 * A managed account was suspended (`active: false` or DELETE) or restored (`active: true`). Suspended: it leaves every
 * team it is in through a group, and the organizations it joined only that way (manual memberships stay, as GitHub's
 * "suspended members"). Restored: it joins every team linked to a group that holds it. The `active` argument is
 * trusted, so the caller may call this before or after storing the new state.
 */
export async function syncUserActiveChanged(db: Db, ctx: DomainContext, userId: number, active: boolean, actor: Actor | null): Promise<void> {
  const stamp = stampOf(ctx, actor);
  const groups = await selectGroupIdsOfUser(db, userId);
  await touchGroups(db, groups, stamp.atIso);
  const only = userIds([userId]);
  if (active) await addToTeamsViaGroup(db, ctx.dialect, await selectTeamsLinkedToAny(db, groups), only, stamp);
  else await removeFromTeamsViaGroup(db, ctx.dialect, await selectTeamsJoinedViaGroup(db, userId), only, stamp);
}

/**
 * A team is about to be deleted: if it is linked, unlink it first, so people who joined the organization only through
 * it leave the organization as they would on `DELETE …/external-groups` (a cascade would keep them as members).
 */
export async function syncTeamDeleting(db: Db, ctx: DomainContext, teamId: number, actor: Actor | null): Promise<void> {
  const scope = await selectTeamScope(db, teamId);
  if (scope === undefined || scope.groupId === null) return;
  await lockGroups(db, [scope.groupId]);
  await unlinkTeamInTransaction(db, ctx, scope, actor, 'team_deleted');
}
