/**
 * Row → wire mappings for GitHub's shared account shapes (`simple-user`, `organization-simple`, `enterprise`).
 */
import type { EnterpriseRow, OrganizationRow, UserRow } from '../storage/tables.ts';

/** GitHub's legacy global node id: base64 of `<len>:<Type><id>`. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}

function webBase(apiBase: string): string {
  const url = new URL(apiBase);
  return url.origin;
}

export function toSimpleUser(user: UserRow, apiBase: string): Record<string, unknown> {
  const url = `${apiBase}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId('User', user.id),
    avatar_url: `${webBase(apiBase)}/avatars/u/${user.id}`,
    gravatar_id: '',
    url,
    html_url: `${webBase(apiBase)}/${user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'User',
    site_admin: user.site_admin === 1,
    name: user.name,
    email: user.email,
    user_view_type: 'public',
  };
}

/** The `public-user` shape of `GET /users/{username}`. */
export function toFullUser(user: UserRow, apiBase: string): Record<string, unknown> {
  return {
    ...toSimpleUser(user, apiBase),
    company: null,
    blog: null,
    location: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.created_at,
    updated_at: user.updated_at,
    // GitHub Enterprise Server shows `suspended_at` on suspended users only; the public-user schema (which forbids extra
    // properties) does not list it, so an active user's body stays exactly schema-valid.
    ...(user.suspended_at === null ? {} : { suspended_at: user.suspended_at }),
  };
}

/** The `private-user` shape of `GET /user`: the public profile plus the owner-only counters (Gatehouse hosts no repositories). */
export function toPrivateUser(user: UserRow, apiBase: string): Record<string, unknown> {
  return {
    ...toFullUser(user, apiBase),
    user_view_type: 'private',
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: false,
  };
}

export function toOrganizationSimple(org: OrganizationRow, apiBase: string): Record<string, unknown> {
  const url = `${apiBase}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: nodeId('Organization', org.id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${webBase(apiBase)}/avatars/o/${org.id}`,
    description: org.description,
  };
}

export function toEnterprise(enterprise: EnterpriseRow, apiBase: string): Record<string, unknown> {
  return {
    id: enterprise.id,
    slug: enterprise.slug,
    name: enterprise.name,
    node_id: nodeId('Enterprise', enterprise.id),
    avatar_url: `${webBase(apiBase)}/avatars/e/${enterprise.id}`,
    html_url: `${webBase(apiBase)}/enterprises/${enterprise.slug}`,
    website_url: null,
    description: null,
    created_at: enterprise.created_at,
    updated_at: enterprise.updated_at,
    kind: enterprise.kind,
  };
}
