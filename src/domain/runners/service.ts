/**
 * Enterprise self-hosted runners as administrators manage them (openapi-contract.md §3, github-semantics.md §1.3–1.5):
 * reading one runner, forced deletion, custom labels, and just-in-time runner configurations. Every write is one
 * transaction with its audit event.
 */
import { generateRunnerCredential, hashToken } from '../../auth/tokens.ts';
import { ApiError, notFound, validationFailed } from '../../errors/api-error.ts';
import type { EnterpriseRow, RunnerGroupRow, RunnerRow } from '../../storage/tables.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, Db, DomainContext } from '../context.ts';
import {
  assertCustomLabelLimit,
  insertLabels,
  labelsOf,
  normalizeCustomLabels,
  readOnlyLabelError,
  readOnlyLabels,
} from './labels.ts';
import { findRunner, runnerStatus, type RunnerWithGroup, type WireRunner, type WireRunnerLabel } from './read-model.ts';
import { findGroup } from '../runner-groups/repository.ts';
import { deleteRunnerRow, insertRunner, loadWireRunner } from './repository.ts';
import { thenMaybe, type MaybePromise } from '../../storage/read-cache.ts';

/** Runner names: 1–64 characters (GitHub rejects longer names; actions/runner#1710), no control characters. */
const MAX_RUNNER_NAME_LENGTH = 64;

/** Validates a runner name and returns it trimmed; 422 `validation-error-simple` otherwise. */
export function validateRunnerName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw validationFailed(['Runner name cannot be blank.']);
  if (name.length > MAX_RUNNER_NAME_LENGTH) {
    throw validationFailed([`Runner name is too long (maximum is ${MAX_RUNNER_NAME_LENGTH} characters).`]);
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) throw validationFailed(['Runner name cannot contain control characters.']);
  return name;
}

/** Audit fields naming a runner, shared by every runner event. */
export function runnerAuditData(enterprise: EnterpriseRow, runner: { id: number; name: string }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { business: enterprise.slug, runner_id: runner.id, runner_name: runner.name, ...extra };
}

async function requireRunner(db: Db, enterprise: EnterpriseRow, runnerId: number): Promise<RunnerWithGroup> {
  const runner = await findRunner(db, enterprise.id, runnerId);
  if (runner === undefined) throw notFound();
  return runner;
}

/** One runner of the enterprise in wire shape; 404 for an id of another enterprise or none. */
/**
 * Inserts a runner with its read-only and custom labels and writes the `enterprise.register_self_hosted_runner` event,
 * inside the caller's transaction: the one way a runner comes into being (registration and JIT configuration).
 */
export async function createRunnerRecord(
  ctx: DomainContext,
  trx: Db,
  enterprise: EnterpriseRow,
  group: RunnerGroupRow,
  fields: { name: string; os: string; architecture: string; ephemeral: boolean; version: string | null; credentialHash: string; now: string },
  labels: { readOnly: readonly string[]; custom: readonly string[] },
  actor: Actor | null,
  auditExtra: Record<string, unknown>,
): Promise<RunnerRow> {
  const row = await insertRunner(trx, { enterpriseId: enterprise.id, group, ...fields, lastSeenAt: null });
  await insertLabels(trx, row.id, [], labels.readOnly, 'read-only');
  await insertLabels(trx, row.id, await labelsOf(trx, row.id), labels.custom, 'custom');
  await recordAudit(trx, ctx.clock, {
    action: 'enterprise.register_self_hosted_runner',
    enterpriseId: enterprise.id,
    actor,
    data: runnerAuditData(enterprise, row, { runner_group_id: group.number, runner_group_name: group.name, ...auditExtra }),
  });
  return row;
}

/** One runner of the enterprise (404 if none); synchronous when the runner is in the read cache. */
export function getRunner(ctx: DomainContext, enterprise: EnterpriseRow, runnerId: number): MaybePromise<WireRunner> {
  return thenMaybe(loadWireRunner(ctx, ctx.db, enterprise.id, runnerId), (runner) => {
    if (runner === undefined) throw notFound();
    return runner;
  });
}

/** True when the runner is running a job as clients see it: busy flag set and still online. */
export function isRunningJob(ctx: DomainContext, runner: Pick<RunnerWithGroup, 'busy' | 'last_seen_at'>): boolean {
  return runner.busy === 1 && runnerStatus(ctx, runner) === 'online';
}

/**
 * Forces the removal of a runner (DELETE `…/actions/runners/{runner_id}`). A runner that is running a job cannot be
 * removed: 422 with the text GitHub sends (github-semantics.md §1.5, issue cybozu-go/meows#136).
 */
export async function deleteRunner(ctx: DomainContext, enterprise: EnterpriseRow, runnerId: number, actor: Actor | null): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const runner = await requireRunner(trx, enterprise, runnerId);
    if (isRunningJob(ctx, runner)) {
      // Observed body (go-github's rendering in cybozu-go/meows#136): this message and an empty `errors` array.
      throw new ApiError(422, `Bad request - Runner "${runner.name}" is still running a job`, { errors: [], code: 'runner_busy' });
    }
    await deleteRunnerRow(trx, runner.id);
    await recordAudit(trx, ctx.clock, {
      action: 'enterprise.remove_self_hosted_runner',
      enterpriseId: enterprise.id,
      actor,
      data: runnerAuditData(enterprise, runner, { reason: 'deleted_via_api' }),
    });
  });
}

/** The `actions_runner_labels` body: `{total_count, labels}`. */
export interface RunnerLabelList {
  total_count: number;
  labels: readonly WireRunnerLabel[];
}

async function labelList(ctx: DomainContext, db: Db, enterprise: EnterpriseRow, runnerId: number, only?: 'read-only'): Promise<RunnerLabelList> {
  const runner = await loadWireRunner(ctx, db, enterprise.id, runnerId);
  if (runner === undefined) throw notFound();
  const labels = only === undefined ? runner.labels : runner.labels.filter((l) => l.type === only);
  return { total_count: labels.length, labels };
}

/** GET `…/runners/{runner_id}/labels`. */
export async function listRunnerLabels(ctx: DomainContext, enterprise: EnterpriseRow, runnerId: number): Promise<RunnerLabelList> {
  return labelList(ctx, ctx.db, enterprise, runnerId);
}

async function auditLabels(
  ctx: DomainContext,
  db: Db,
  enterprise: EnterpriseRow,
  runner: RunnerWithGroup,
  actor: Actor | null,
  added: readonly string[],
  removed: readonly string[],
): Promise<void> {
  if (added.length === 0 && removed.length === 0) return;
  await recordAudit(db, ctx.clock, {
    action: 'enterprise.runner_labels_changed',
    enterpriseId: enterprise.id,
    actor,
    data: runnerAuditData(enterprise, runner, { labels_added: added, labels_removed: removed }),
  });
}

/** POST `…/labels`: adds custom labels (names it already has, ignoring case, are kept as they are); returns all labels. */
export async function addCustomLabels(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  runnerId: number,
  names: readonly string[],
  actor: Actor | null,
): Promise<RunnerLabelList> {
  const wanted = normalizeCustomLabels(names);
  return ctx.db.transaction().execute(async (trx) => {
    const runner = await requireRunner(trx, enterprise, runnerId);
    const existing = await labelsOf(trx, runner.id);
    const customCount = existing.filter((l) => l.type === 'custom').length;
    const have = new Set(existing.map((l) => l.name_lower));
    assertCustomLabelLimit(customCount + wanted.filter((n) => !have.has(n.toLowerCase())).length);
    const added = await insertLabels(trx, runner.id, existing, wanted, 'custom');
    await auditLabels(ctx, trx, enterprise, runner, actor, added, []);
    return labelList(ctx, trx, enterprise, runner.id);
  });
}

/** PUT `…/labels`: replaces the custom labels (an empty list clears them); returns all labels. */
export async function setCustomLabels(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  runnerId: number,
  names: readonly string[],
  actor: Actor | null,
): Promise<RunnerLabelList> {
  const wanted = normalizeCustomLabels(names);
  assertCustomLabelLimit(wanted.length);
  return ctx.db.transaction().execute(async (trx) => {
    const runner = await requireRunner(trx, enterprise, runnerId);
    const existing = await labelsOf(trx, runner.id);
    const wantedLower = new Set(wanted.map((n) => n.toLowerCase()));
    const removedRows = existing.filter((l) => l.type === 'custom' && !wantedLower.has(l.name_lower));
    if (removedRows.length > 0) {
      await trx.deleteFrom('runner_labels').where('id', 'in', removedRows.map((l) => l.id)).execute();
    }
    const kept = existing.filter((l) => !removedRows.includes(l));
    const added = await insertLabels(trx, runner.id, kept, wanted, 'custom');
    await auditLabels(ctx, trx, enterprise, runner, actor, added, removedRows.map((l) => l.name));
    return labelList(ctx, trx, enterprise, runner.id);
  });
}

/** DELETE `…/labels`: removes every custom label; returns the read-only labels that remain. */
export async function removeAllCustomLabels(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  runnerId: number,
  actor: Actor | null,
): Promise<RunnerLabelList> {
  return ctx.db.transaction().execute(async (trx) => {
    const runner = await requireRunner(trx, enterprise, runnerId);
    const custom = (await labelsOf(trx, runner.id)).filter((l) => l.type === 'custom');
    if (custom.length > 0) await trx.deleteFrom('runner_labels').where('id', 'in', custom.map((l) => l.id)).execute();
    await auditLabels(ctx, trx, enterprise, runner, actor, [], custom.map((l) => l.name));
    return labelList(ctx, trx, enterprise, runner.id, 'read-only');
  });
}

/**
 * DELETE `…/labels/{name}`: removes one custom label (name matched ignoring case) and returns the remaining labels.
 * 404 when the runner has no such label; 422 for a read-only label.
 */
export async function removeCustomLabel(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  runnerId: number,
  name: string,
  actor: Actor | null,
): Promise<RunnerLabelList> {
  return ctx.db.transaction().execute(async (trx) => {
    const runner = await requireRunner(trx, enterprise, runnerId);
    const label = (await labelsOf(trx, runner.id)).find((l) => l.name_lower === name.trim().toLowerCase());
    if (label === undefined) throw notFound();
    if (label.type === 'read-only') throw readOnlyLabelError(label.name);
    await trx.deleteFrom('runner_labels').where('id', '=', label.id).execute();
    await auditLabels(ctx, trx, enterprise, runner, actor, [], [label.name]);
    return labelList(ctx, trx, enterprise, runner.id);
  });
}

export interface JitConfigInput {
  name: string;
  /** The group's public number (`runner_group_id` on the wire). */
  runnerGroupId: number;
  labels: readonly string[];
  workFolder?: string | undefined;
}

/**
 * What `encoded_jit_config` decodes to (base64 of this JSON). The real service encodes actions/runner's `.runner`
 * and `.credentials` files for its own protocol; Gatehouse's runner side is its own small API, so the configuration
 * names that API and carries the runner credential it accepts (`Authorization: Bearer <credential.token>`).
 */
export interface GatehouseJitConfig {
  gatehouse_jit_config: 1;
  /** Base of the runner-service API (`…/_services/runner`). */
  service_url: string;
  enterprise: string;
  runner: {
    id: number;
    name: string;
    runner_group_id: number;
    runner_group: string;
    labels: string[];
    work_folder: string;
    ephemeral: true;
  };
  credential: { scheme: 'Bearer'; token: string };
}

/**
 * POST `…/actions/runners/generate-jitconfig`: creates an ephemeral runner that has never connected (`os: "unknown"`,
 * offline, read-only `self-hosted` plus the custom labels) and a configuration carrying its credential.
 * 404 for an unknown group, 409 for a name in use, 422 for bad labels or name.
 * @param serviceUrl - base URL of the runner-service API as this caller reaches it
 */
export async function generateJitConfig(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  input: JitConfigInput,
  actor: Actor | null,
  serviceUrl: string,
): Promise<{ runner: WireRunner; encoded_jit_config: string }> {
  const name = validateRunnerName(input.name);
  const custom = normalizeCustomLabels(input.labels);
  assertCustomLabelLimit(custom.length);
  const workFolder = input.workFolder === undefined || input.workFolder.trim() === '' ? '_work' : input.workFolder;
  const credential = generateRunnerCredential();
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const group: RunnerGroupRow | undefined = await findGroup(trx, enterprise.id, input.runnerGroupId);
    if (group === undefined) throw notFound();
    const row = await createRunnerRecord(
      ctx,
      trx,
      enterprise,
      group,
      { name, os: 'unknown', architecture: 'unknown', ephemeral: true, version: null, credentialHash: hashToken(credential), now },
      { readOnly: readOnlyLabels(undefined, undefined), custom },
      actor,
      { labels: custom, jit: true },
    );
    const runner = await loadWireRunner(ctx, trx, enterprise.id, row.id);
    if (runner === undefined) throw notFound();
    const config: GatehouseJitConfig = {
      gatehouse_jit_config: 1,
      service_url: serviceUrl,
      enterprise: enterprise.slug,
      runner: {
        id: row.id,
        name,
        runner_group_id: group.number,
        runner_group: group.name,
        labels: custom,
        work_folder: workFolder,
        ephemeral: true,
      },
      credential: { scheme: 'Bearer', token: credential },
    };
    return { runner, encoded_jit_config: Buffer.from(JSON.stringify(config)).toString('base64') };
  });
}
