/**
 * Row → wire mappings for organization shapes (`organization-full`, `team-organization`, `org-membership`,
 * `organization-invitation`). Gatehouse hosts no repositories, gists or projects, so their counters are zero.
 */
import type { InvitationWithTeams, OrgMembership } from '../../domain/orgs/service.ts';
import type { OrganizationRow, UserRow } from '../../storage/tables.ts';
import { nodeId, toOrganizationSimple, toSimpleUser } from '../shapes.ts';

function webBase(apiBase: string): string {
  return new URL(apiBase).origin;
}

export interface OrganizationFullOptions {
  /** Owner-only fields (plan, seats, member policies), shown to owners whose token has `admin:org`. */
  private: boolean;
  /** Active members, for `plan.filled_seats`. */
  membersCount?: number | undefined;
}

/**
 * `organization-full` (`GET /orgs/{org}`), also the `organization` of `team-full` (`team-organization` has the same
 * required fields).
 */
export function toOrganizationFull(org: OrganizationRow, apiBase: string, options: OrganizationFullOptions = { private: false }): Record<string, unknown> {
  // Added to the simple shape rather than spread into a new literal (spreads this size fall back to slow objects).
  const body = toOrganizationSimple(org, apiBase);
  if (org.name !== null) body.name = org.name;
  body.twitter_username = null;
  body.is_verified = false;
  body.has_organization_projects = true;
  body.has_repository_projects = true;
  body.public_repos = 0;
  body.public_gists = 0;
  body.followers = 0;
  body.following = 0;
  body.html_url = `${webBase(apiBase)}/${org.login}`;
  body.type = 'Organization';
  body.created_at = org.created_at;
  body.updated_at = org.updated_at;
  body.archived_at = null;
  if (options.private) {
    const seats = options.membersCount ?? 0;
    Object.assign(body, {
      total_private_repos: 0,
      owned_private_repos: 0,
      private_gists: 0,
      disk_usage: 0,
      collaborators: 0,
      billing_email: null,
      plan: { name: org.enterprise_id === null ? 'free' : 'enterprise', space: 976562499, private_repos: 999999, filled_seats: seats, seats },
      default_repository_permission: 'read',
      members_can_create_repositories: true,
      two_factor_requirement_enabled: false,
      members_allowed_repository_creation_type: 'all',
      members_can_create_public_repositories: true,
      members_can_create_private_repositories: true,
      members_can_create_internal_repositories: true,
      members_can_create_pages: true,
      members_can_create_public_pages: true,
      members_can_create_private_pages: true,
      members_can_create_teams: true,
      members_can_fork_private_repositories: false,
      web_commit_signoff_required: false,
    });
  }
  return body;
}

/** `org-membership` (`GET /orgs/{org}/memberships/{username}`, `/user/memberships/orgs/{org}`). */
export function toOrgMembership(org: OrganizationRow, user: UserRow, membership: OrgMembership, apiBase: string): Record<string, unknown> {
  const orgUrl = `${apiBase}/orgs/${org.login}`;
  return {
    url: `${orgUrl}/memberships/${user.login}`,
    state: membership.state,
    role: membership.role,
    direct_membership: true,
    organization_url: orgUrl,
    organization: toOrganizationSimple(org, apiBase),
    user: toSimpleUser(user, apiBase),
  };
}

/**
 * Invitations with no recorded inviter (provisioning, a deleted account) name GitHub's placeholder account, because
 * `organization-invitation.inviter` is a required `simple-user`.
 */
const GHOST: UserRow = {
  id: 10137,
  login: 'ghost',
  login_lower: 'ghost',
  name: null,
  email: null,
  site_admin: 0,
  managed_by_enterprise_id: null,
  suspended_at: null,
  created_at: '2008-05-13T06:14:25.000Z',
  updated_at: '2008-05-13T06:14:25.000Z',
};

/** `organization-invitation` (`GET /orgs/{org}/invitations`). */
export function toOrganizationInvitation(
  org: OrganizationRow,
  invitation: InvitationWithTeams,
  inviter: UserRow | undefined,
  apiBase: string,
): Record<string, unknown> {
  return {
    id: invitation.id,
    login: invitation.login,
    email: invitation.email,
    role: invitation.role,
    created_at: invitation.created_at,
    failed_at: null,
    failed_reason: null,
    inviter: toSimpleUser(inviter ?? GHOST, apiBase),
    team_count: invitation.team_count,
    node_id: nodeId('OrganizationInvitation', invitation.id),
    invitation_teams_url: `${apiBase}/organizations/${org.id}/invitations/${invitation.id}/teams`,
    invitation_source: invitation.source === 'scim' ? 'scim' : 'member',
  };
}
