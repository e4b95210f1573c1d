/**
 * Keeping teams in step with the external groups SCIM provisions (github-semantics.md §3.7, §4). The managed SCIM
 * dialect calls these inside the transaction of every group or user change, so a linked team never disagrees with its
 * group. Ids are GitHub account ids (`users.id`) and external group ids (`scim_groups.id`).
 */
import type { Actor, Db, DomainContext } from '../context.ts';

export interface GroupMemberChange {
  addedUserIds: readonly number[];
  removedUserIds: readonly number[];
}

/** Members were added to or removed from an external group. */
export async function syncGroupMembers(_db: Db, _ctx: DomainContext, _groupId: number, _change: GroupMemberChange, _actor: Actor | null): Promise<void> {
  // Implemented by the external-groups work (team sync); until then nothing is linked, so there is nothing to sync.
}

/** An external group is about to be deleted (call before deleting its rows). */
export async function syncGroupDeleted(_db: Db, _ctx: DomainContext, _groupId: number, _actor: Actor | null): Promise<void> {}

/** An external group's name or other attributes changed. */
export async function syncGroupUpdated(_db: Db, _ctx: DomainContext, _groupId: number, _actor: Actor | null): Promise<void> {}

/** A managed account was suspended (`active: false` or DELETE) or restored (`active: true`). */
export async function syncUserActiveChanged(_db: Db, _ctx: DomainContext, _userId: number, _active: boolean, _actor: Actor | null): Promise<void> {}
