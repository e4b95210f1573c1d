/**
 * Which client sent a request, guessed from its `User-Agent`: an identity provider's SCIM client, the Actions runner,
 * or a GitHub client. The guess labels the request journal, metrics and logs only; behaviour never depends on it
 * (every quirk is accepted from every client).
 *
 * The strings are the ones the clients send:
 * - Microsoft Entra ID: `Azure AD SCIM Provisioning` (older: `Microsoft Azure AD` …), as shown in request logs of
 *   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 * - Okta: `Okta SCIM Client 1.0.0`, https://developer.okta.com/docs/guides/scim-provisioning-integration-prepare/main/
 * - OneLogin: `OneLogin SCIM` …; PingFederate / PingOne: `PingFederate` … / `Ping Identity` ….
 * - The Actions runner (`config.sh`), octokit, GitHub CLI, curl and the common HTTP libraries name themselves.
 */

export type IdentityProvider = 'entra' | 'okta' | 'onelogin' | 'ping' | 'other';

const IDENTITY_PROVIDERS: ReadonlySet<string> = new Set<IdentityProvider>(['entra', 'okta', 'onelogin', 'ping']);

/** First match wins: identity providers first, then other clients. */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/azure ?ad|azure active directory|microsoft azure|entra|microsoft\.identity|SCIM-Provisioning/i, 'entra'],
  [/okta/i, 'okta'],
  [/onelogin/i, 'onelogin'],
  [/pingfederate|pingone|ping identity/i, 'ping'],
  [/jumpcloud/i, 'jumpcloud'],
  [/google|gsuite/i, 'google'],
  [/keycloak/i, 'keycloak'],
  [/authentik/i, 'authentik'],
  [/GitHubActionsRunner|actions-runner/i, 'actions-runner'],
  [/octokit/i, 'octokit'],
  [/^GitHub CLI|\bgh\//i, 'gh'],
  [/^gatehouse/i, 'gatehouse-cli'],
  [/^curl\//i, 'curl'],
  [/python-requests|aiohttp|httpx/i, 'python'],
  [/^node|undici/i, 'node'],
];

/** Guesses are kept per distinct User-Agent: a client sends the same one on every request. */
const guesses = new Map<string, string | null>();

/**
 * The client's short name (`entra`, `okta`, `octokit`, `curl`, …), or null when the User-Agent names none we know.
 * @param userAgent - the request's `User-Agent` header, if any
 */
export function guessClient(userAgent: string | undefined): string | null {
  if (userAgent === undefined || userAgent === '') return null;
  let guess = guesses.get(userAgent);
  if (guess === undefined) {
    guess = RULES.find(([pattern]) => pattern.test(userAgent))?.[1] ?? null;
    // Bounded: arbitrary clients may send arbitrary strings.
    if (guesses.size >= 1_000) guesses.clear();
    guesses.set(userAgent, guess);
  }
  return guess;
}

/**
 * The identity provider a `User-Agent` belongs to, or `other` (any other client, or none named).
 * @param userAgent - the request's `User-Agent` header, if any
 */
export function guessIdentityProvider(userAgent: string | undefined): IdentityProvider {
  const client = guessClient(userAgent);
  return client !== null && IDENTITY_PROVIDERS.has(client) ? (client as IdentityProvider) : 'other';
}
