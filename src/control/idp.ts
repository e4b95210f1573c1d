/**
 * A guess at the client behind a request, from its `User-Agent`, for the request journal. Identity providers and
 * GitHub clients announce themselves in it; the list is what they are documented or observed to send.
 */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // Microsoft Entra ID's provisioning service (https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
  [/azure ?ad|entra|microsoft\.identity|SCIM-Provisioning/i, 'entra'],
  // Okta's SCIM client (https://developer.okta.com/docs/guides/scim-provisioning-integration-prepare/).
  [/okta/i, 'okta'],
  [/onelogin/i, 'onelogin'],
  [/pingfederate|pingidentity|ping ?one/i, 'ping'],
  [/jumpcloud/i, 'jumpcloud'],
  [/google|gsuite|workspace/i, 'google'],
  [/keycloak/i, 'keycloak'],
  [/authentik/i, 'authentik'],
  // The Actions runner (config.sh) and GitHub's own clients.
  [/GitHubActionsRunner|actions-runner/i, 'actions-runner'],
  [/octokit/i, 'octokit'],
  [/^GitHub CLI|\bgh\//i, 'gh'],
  [/^gatehouse/i, 'gatehouse-cli'],
  [/^curl\//i, 'curl'],
  [/python-requests|aiohttp|httpx/i, 'python'],
  [/^node|undici/i, 'node'],
];

/** The client's short name (`entra`, `okta`, `octokit`, …), or null when the User-Agent names none we know. */
export function guessIdentityProvider(userAgent: string | undefined): string | null {
  if (userAgent === undefined || userAgent === '') return null;
  for (const [pattern, name] of PATTERNS) if (pattern.test(userAgent)) return name;
  return null;
}
