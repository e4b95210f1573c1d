/**
 * OAuth scopes of classic personal access tokens and what each one includes
 * (docs.github.com: "Scopes for OAuth apps"): `admin:enterprise` includes the other enterprise scopes,
 * `admin:org` includes `write:org`, which includes `read:org`.
 */

const INCLUDES: Readonly<Record<string, readonly string[]>> = {
  'admin:enterprise': ['manage_runners:enterprise', 'manage_billing:enterprise', 'read:enterprise', 'scim:enterprise'],
  'admin:org': ['write:org', 'read:org'],
  'write:org': ['read:org'],
  user: ['read:user', 'user:email', 'user:follow'],
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  'admin:org_hook': [],
  site_admin: [],
  'read:audit_log': [],
};

export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  ...Object.keys(INCLUDES),
  ...Object.values(INCLUDES).flat(),
]);

/** Every scope the granted list confers, its inclusions expanded. */
export function expandScopes(granted: readonly string[]): Set<string> {
  const out = new Set<string>();
  const visit = (scope: string): void => {
    if (out.has(scope)) return;
    out.add(scope);
    for (const inner of INCLUDES[scope] ?? []) visit(inner);
  };
  granted.forEach(visit);
  return out;
}

/**
 * The scopes that satisfy a requirement, for `X-Accepted-OAuth-Scopes`: the scope itself and every scope that includes it,
 * e.g. `manage_runners:enterprise` → `admin:enterprise, manage_runners:enterprise`.
 */
export function acceptedScopesFor(required: readonly string[]): string[] {
  const out = new Set<string>();
  for (const scope of required) {
    out.add(scope);
    for (const [parent, children] of Object.entries(INCLUDES)) {
      if (expandScopes(children).has(scope)) out.add(parent);
    }
  }
  return [...out].sort();
}

/** Splits a comma- or space-separated scope list, rejecting unknown scopes. */
export function parseScopes(text: string): { scopes: string[]; unknown: string[] } {
  const scopes = [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))];
  return { scopes, unknown: scopes.filter((s) => !KNOWN_SCOPES.has(s)) };
}
