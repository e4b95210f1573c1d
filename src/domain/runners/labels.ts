/**
 * Runner labels: the read-only labels a runner gets from its platform and the custom labels people add.
 *
 * Rules (github-semantics.md §1.3–1.4, OA-GHEC `runner-label` and the `…/runners/{runner_id}/labels` operations):
 * - every runner carries the read-only `self-hosted` label, and once its platform is known the OS label
 *   (`Linux`/`macOS`/`Windows`) and the architecture label (`X64`/`ARM`/`ARM64`);
 * - labels are case-insensitive: a label equal (ignoring case) to one the runner already has is not added twice;
 * - custom labels are what `POST`/`PUT` change; read-only ones cannot be removed (422).
 *
 * Decisions where the contract is silent (inferred): a custom label is 1–256 characters after trimming, without commas
 * (`config.sh --labels` splits on commas, so such a label could never be re-registered) or control characters; a runner
 * holds at most 100 custom labels, the most one `PUT` may set.
 */
import { validationFailed, type ApiError } from '../../errors/api-error.ts';
import type { RunnerLabelRow } from '../../storage/tables.ts';
import type { Db } from '../context.ts';

export type RunnerOs = 'linux' | 'macos' | 'windows';
export type RunnerArchitecture = 'x64' | 'arm' | 'arm64';

export const SELF_HOSTED_LABEL = 'self-hosted';
export const MAX_CUSTOM_LABELS = 100;
const MAX_LABEL_LENGTH = 256;

const OS_LABELS: Readonly<Record<RunnerOs, string>> = { linux: 'Linux', macos: 'macOS', windows: 'Windows' };
const ARCH_LABELS: Readonly<Record<RunnerArchitecture, string>> = { x64: 'X64', arm: 'ARM', arm64: 'ARM64' };

/** Parses an OS as the runner side sends it (`linux`, `macos`, `windows`, any case; `osx`/`win` as in downloads). */
export function parseRunnerOs(value: string): RunnerOs | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'linux') return 'linux';
  if (v === 'macos' || v === 'osx' || v === 'darwin') return 'macos';
  if (v === 'windows' || v === 'win') return 'windows';
  return undefined;
}

/** Parses an architecture (`x64`, `arm`, `arm64`, any case; `amd64`/`aarch64` as Linux names them). */
export function parseRunnerArchitecture(value: string): RunnerArchitecture | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'x64' || v === 'amd64' || v === 'x86_64') return 'x64';
  if (v === 'arm' || v === 'armv7' || v === 'armv7l') return 'arm';
  if (v === 'arm64' || v === 'aarch64') return 'arm64';
  return undefined;
}

/** The read-only labels of a runner on this platform, in the order the runner registers them. */
export function readOnlyLabels(os: RunnerOs | undefined, architecture: RunnerArchitecture | undefined): string[] {
  const out = [SELF_HOSTED_LABEL];
  if (os !== undefined) out.push(OS_LABELS[os]);
  if (architecture !== undefined) out.push(ARCH_LABELS[architecture]);
  return out;
}

/**
 * Validates and normalises requested custom label names: trimmed, checked, de-duplicated ignoring case (first
 * spelling wins). Throws 422 `validation-error-simple` naming every bad label.
 */
export function normalizeCustomLabels(names: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') problems.push('Label names cannot be blank.');
    else if (name.length > MAX_LABEL_LENGTH) problems.push(`Label "${name.slice(0, 40)}…" is too long (maximum is ${MAX_LABEL_LENGTH} characters).`);
    else if (name.includes(',')) problems.push(`Label "${name}" cannot contain a comma.`);
    else if (/[\u0000-\u001f\u007f]/.test(name)) problems.push(`Label "${name}" cannot contain control characters.`);
    else if (!seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      out.push(name);
    }
  }
  if (problems.length > 0) throw validationFailed(problems);
  return out;
}

/** All labels of one runner, in insertion order. */
export async function labelsOf(db: Db, runnerId: number): Promise<RunnerLabelRow[]> {
  return db.selectFrom('runner_labels').selectAll().where('runner_id', '=', runnerId).orderBy('id').execute();
}

/**
 * Adds labels of `type` to a runner, skipping names it already has (ignoring case); returns the names added.
 * @param existing - the runner's current labels (read in the same transaction)
 */
export async function insertLabels(
  db: Db,
  runnerId: number,
  existing: readonly RunnerLabelRow[],
  names: readonly string[],
  type: 'read-only' | 'custom',
): Promise<string[]> {
  const have = new Set(existing.map((l) => l.name_lower));
  const added: string[] = [];
  for (const name of names) {
    const lower = name.toLowerCase();
    if (have.has(lower)) continue;
    have.add(lower);
    added.push(name);
  }
  if (added.length > 0) {
    await db
      .insertInto('runner_labels')
      .values(added.map((name) => ({ runner_id: runnerId, name, name_lower: name.toLowerCase(), type })))
      // A concurrent request that added the same label first wins; this one is then a no-op for it, not an error.
      .onConflict((oc) => oc.columns(['runner_id', 'name_lower']).doNothing())
      .execute();
  }
  return added;
}

/** 422 when a runner would end up with more custom labels than allowed. */
export function assertCustomLabelLimit(count: number): void {
  if (count > MAX_CUSTOM_LABELS) {
    throw validationFailed([`A runner can have at most ${MAX_CUSTOM_LABELS} custom labels.`]);
  }
}

/** 422 for an attempt to remove a read-only label (github-semantics.md §1.4, inferred status). */
export function readOnlyLabelError(name: string): ApiError {
  return validationFailed([`Label "${name}" is a read-only label and cannot be removed.`]);
}
