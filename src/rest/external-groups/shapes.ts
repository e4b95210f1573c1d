/**
 * Row → wire mappings for the `external-groups` and `external-group` shapes (OA-GHEC). `group_id` is the integer the
 * schema types, not the string the spec's examples print (openapi-contract.md §9.1); `updated_at` is the group's
 * ISO-8601 timestamp (the schema types it as a free-form string).
 */
import type { ExternalGroupRow, ExternalGroupView, GroupMemberRow } from '../../domain/external-groups/service.ts';

/** One item of `external-groups.groups`. */
export function toExternalGroupItem(group: ExternalGroupRow): { group_id: number; group_name: string; updated_at: string } {
  return { group_id: group.id, group_name: group.display_name, updated_at: group.updated_at };
}

/** `{groups: [...]}` for both lists. */
export function toExternalGroups(groups: readonly ExternalGroupRow[]): { groups: ReturnType<typeof toExternalGroupItem>[] } {
  return { groups: groups.map(toExternalGroupItem) };
}

/**
 * A member of `external-group.members`. Every field is a required string in the schema: the name falls back to the
 * SCIM display name and then the login, a missing email is an empty string.
 */
export function toExternalGroupMember(member: GroupMemberRow): Record<string, unknown> {
  const { user } = member;
  return {
    member_id: user.id,
    member_login: user.login,
    member_name: user.name ?? member.scimDisplayName ?? user.login,
    member_email: user.email ?? '',
  };
}

/** `external-group` (GET one, and the PATCH answer): linked teams of the organization and one page of members. */
export function toExternalGroup(view: ExternalGroupView): Record<string, unknown> {
  return {
    ...toExternalGroupItem(view.group),
    teams: view.teams.map((t) => ({ team_id: t.teamId, team_name: t.teamName })),
    members: view.members.map(toExternalGroupMember),
  };
}
