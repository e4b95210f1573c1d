/**
 * Row → wire mappings for GitHub's shared account shapes (`simple-user`, `organization-simple`, `enterprise`).
 */
import type { EnterpriseRow, OrganizationRow, UserRow } from '../storage/tables.ts';

/** GitHub's legacy global node id: base64 of `<len>:<Type><id>`. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}

/** An API base has few values (the public URL, or its origin + `/api/v3`): parse each once, not twice per rendered user. */
const webBases = new Map<string, string>();

function webBase(apiBase: string): string {
  let origin = webBases.get(apiBase);
  if (origin === undefined) {
    origin = new URL(apiBase).origin;
    if (webBases.size >= 64) webBases.clear();
    webBases.set(apiBase, origin);
  }
  return origin;
}

/**
 * Whose email a caller sees. GitHub shows an account's `email` to others only when the account made it its public
 * email (https://docs.github.com/rest/users/users#get-a-user: "The email key in the following response is the
 * publicly visible email address from your GitHub profile page"); Gatehouse has no public-email setting, so the
 * address (often a work email an identity provider provisioned) is shown only to the account itself and to a site
 * administrator whose token has `site_admin`. Everyone else, other tenants included, gets `null`.
 */
export interface EmailViewer {
  readonly user: { readonly id: number; readonly site_admin: 0 | 1 };
  readonly scopes: ReadonlySet<string>;
}

export function mayReadEmail(user: UserRow, viewer: EmailViewer | null | undefined): boolean {
  if (viewer === null || viewer === undefined) return false;
  return viewer.user.id === user.id || (viewer.user.site_admin === 1 && viewer.scopes.has('site_admin'));
}

/**
 * GitHub's `simple-user`. `email` is null unless `viewer` may read it (`mayReadEmail`); lists of members and
 * inviters pass no viewer, as GitHub shows no address there.
 */
export function toSimpleUser(user: UserRow, apiBase: string, viewer?: EmailViewer | null): Record<string, unknown> {
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
    email: mayReadEmail(user, viewer) ? user.email : null,
    user_view_type: 'public',
  };
}

/**
 * The `public-user` shape of `GET /users/{username}`. Built by adding to the simple user rather than by spreading it
 * into a new literal: spreads of this size made V8 fall back to slow objects (a third of `GET /user`'s CPU, with the GC
 * they caused).
 */
export function toFullUser(user: UserRow, apiBase: string, viewer: EmailViewer | null): Record<string, unknown> {
  const out = toSimpleUser(user, apiBase, viewer);
  out.company = null;
  out.blog = null;
  out.location = null;
  out.hireable = null;
  out.bio = null;
  out.twitter_username = null;
  out.public_repos = 0;
  out.public_gists = 0;
  out.followers = 0;
  out.following = 0;
  out.created_at = user.created_at;
  out.updated_at = user.updated_at;
  // GitHub Enterprise Server shows `suspended_at` on suspended users only; the public-user schema (which forbids extra
  // properties) does not list it, so an active user's body stays exactly schema-valid.
  if (user.suspended_at !== null) out.suspended_at = user.suspended_at;
  return out;
}

/** The `private-user` shape of `GET /user`: the public profile plus the owner-only counters (Gatehouse hosts no repositories). */
export function toPrivateUser(user: UserRow, apiBase: string, viewer: EmailViewer): Record<string, unknown> {
  const out = toFullUser(user, apiBase, viewer);
  out.user_view_type = 'private';
  out.private_gists = 0;
  out.total_private_repos = 0;
  out.owned_private_repos = 0;
  out.disk_usage = 0;
  out.collaborators = 0;
  out.two_factor_authentication = false;
  return out;
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
