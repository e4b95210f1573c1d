/**
 * The runner application: what `GET …/actions/runners/downloads` lists and what `…/deprecations/{version}` says.
 *
 * Downloads point at GitHub's own release assets for `config.runnerVersion`, named as actions/runner publishes them
 * (`actions-runner-{os}-{arch}-{version}.tar.gz`, `.zip` for Windows), for the platforms it publishes: osx x64/arm64,
 * linux x64/arm/arm64, win x64/arm64 (github-semantics.md §1.3: `os` ∈ osx|linux|win, `architecture` ∈ x64|arm|arm64).
 * `sha256_checksum` is optional in the schema and omitted: Gatehouse cannot vouch for a digest of a file it never saw.
 */

export interface RunnerApplication {
  os: 'osx' | 'linux' | 'win';
  architecture: 'x64' | 'arm' | 'arm64';
  download_url: string;
  filename: string;
}

/** The platforms in the order GitHub's API lists them (the OA-GHEC example's five, then the newer arm64 builds). */
const PLATFORMS: ReadonlyArray<readonly [RunnerApplication['os'], RunnerApplication['architecture']]> = [
  ['osx', 'x64'],
  ['linux', 'x64'],
  ['linux', 'arm'],
  ['win', 'x64'],
  ['linux', 'arm64'],
  ['osx', 'arm64'],
  ['win', 'arm64'],
];

/** The runner applications for one runner version. */
export function runnerApplications(version: string): RunnerApplication[] {
  return PLATFORMS.map(([os, architecture]) => {
    const filename = `actions-runner-${os}-${architecture}-${version}.${os === 'win' ? 'zip' : 'tar.gz'}`;
    return { os, architecture, download_url: `https://github.com/actions/runner/releases/download/v${version}/${filename}`, filename };
  });
}

export interface RunnerVersionDeprecation {
  runner_version: string;
  registration_deprecates_at: string | null;
  runtime_deprecates_at: string | null;
}

/**
 * The end-of-life schedule of a runner version (OA-GHEC `get-runner-version-deprecation-for-enterprise`). Gatehouse
 * enforces no runner version policy, so no version has a schedule: both dates are null ("Null if no schedule is set").
 * Returns undefined for a string that is not a version (`MAJOR.MINOR.PATCH`), which the route answers with 404.
 */
export function runnerVersionDeprecation(version: string): RunnerVersionDeprecation | undefined {
  if (!/^\d+\.\d+\.\d+$/.test(version)) return undefined;
  return { runner_version: version, registration_deprecates_at: null, runtime_deprecates_at: null };
}
