/**
 * Row → wire mappings for team shapes (`team-simple`, `team`, `team-full`, `team-member`, `team-membership`).
 * Team URLs use GitHub's id-based form (`/organizations/{org_id}/team/{team_id}`), which survives renames; Gatehouse
 * serves those paths too.
 */
import type { TeamDetails, TeamMembership, TeamMemberView } from '../../domain/teams/service.ts';
import type { OrganizationRow, TeamRow, UserRow } from '../../storage/tables.ts';
import { toOrganizationFull } from '../orgs/shapes.ts';
import { nodeId, toSimpleUser } from '../shapes.ts';

function webBase(apiBase: string): string {
  return new URL(apiBase).origin;
}

export function teamUrl(org: OrganizationRow, team: TeamRow, apiBase: string): string {
  return `${apiBase}/organizations/${org.id}/team/${team.id}`;
}

/** `team-simple` (also `nullable-team-simple`, a team's `parent`). */
export function toTeamSimple(org: OrganizationRow, team: TeamRow, apiBase: string): Record<string, unknown> {
  const url = teamUrl(org, team, apiBase);
  return {
    id: team.id,
    node_id: nodeId('Team', team.id),
    url,
    members_url: `${url}/members{/member}`,
    name: team.name,
    description: team.description,
    permission: team.permission,
    privacy: team.privacy,
    notification_setting: team.notification_setting,
    html_url: `${webBase(apiBase)}/orgs/${org.login}/teams/${team.slug}`,
    repositories_url: `${url}/repos`,
    slug: team.slug,
    type: 'organization',
    organization_id: org.id,
  };
}

/** `team` (lists): `team-simple` plus its `parent`. */
export function toTeam(org: OrganizationRow, team: TeamRow, parent: TeamRow | undefined, apiBase: string): Record<string, unknown> {
  const out = toTeamSimple(org, team, apiBase);
  out.parent = parent === undefined ? null : toTeamSimple(org, parent, apiBase);
  return out;
}

/** `team-full` (create, get, update). */
export function toTeamFull(details: TeamDetails, apiBase: string): Record<string, unknown> {
  const { org, team, parent, membersCount } = details;
  const out = toTeam(org, team, parent, apiBase);
  out.members_count = membersCount;
  out.repos_count = 0;
  out.created_at = team.created_at;
  out.updated_at = team.updated_at;
  out.organization = toOrganizationFull(org, apiBase);
  return out;
}

/** `team-member`: a `simple-user` with the team role and whether it comes from a child team. */
export function toTeamMember(member: TeamMemberView, apiBase: string): Record<string, unknown> {
  const out = toSimpleUser(member.user, apiBase);
  out.role = member.role;
  out.inherited = member.inherited;
  return out;
}

/** `team-membership`. */
export function toTeamMembership(org: OrganizationRow, team: TeamRow, user: UserRow, membership: TeamMembership, apiBase: string): Record<string, unknown> {
  return { url: `${teamUrl(org, team, apiBase)}/memberships/${user.login}`, role: membership.role, state: membership.state };
}
