/**
 * Which identity provider sent a SCIM request, guessed from its `User-Agent`. The guess labels metrics and logs only;
 * behaviour never depends on it (every quirk is accepted from every client).
 *
 * The strings are the ones the providers send:
 * - Microsoft Entra ID: `Azure AD SCIM Provisioning` (older: `Microsoft Azure AD` …), as shown in request logs of
 *   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 * - Okta: `Okta SCIM Client 1.0.0`, https://developer.okta.com/docs/guides/scim-provisioning-integration-prepare/main/
 * - OneLogin: `OneLogin SCIM` …; PingFederate / PingOne: `PingFederate` … / `Ping Identity` ….
 */

export type IdentityProvider = 'entra' | 'okta' | 'onelogin' | 'ping' | 'other';

const RULES: ReadonlyArray<readonly [RegExp, IdentityProvider]> = [
  [/azure ad|azure active directory|microsoft azure|entra/i, 'entra'],
  [/okta/i, 'okta'],
  [/onelogin/i, 'onelogin'],
  [/pingfederate|pingone|ping identity/i, 'ping'],
];

/** Guesses are kept per distinct User-Agent: a provider sends the same one on every request. */
const guesses = new Map<string, IdentityProvider>();

/**
 * The identity provider a `User-Agent` belongs to, or `other`.
 * @param userAgent - the request's `User-Agent` header, if any
 */
export function guessIdentityProvider(userAgent: string | undefined): IdentityProvider {
  if (userAgent === undefined || userAgent === '') return 'other';
  let guess = guesses.get(userAgent);
  if (guess === undefined) {
    guess = RULES.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'other';
    // Bounded: arbitrary clients may send arbitrary strings.
    if (guesses.size >= 1_000) guesses.clear();
    guesses.set(userAgent, guess);
  }
  return guess;
}
