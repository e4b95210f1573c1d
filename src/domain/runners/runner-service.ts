/**
 * The runner side of a registered runner: heartbeats (which drive `status` and `busy`), job completion reports (which
 * become Actions usage for billing), and removal. Authenticated by the runner credential issued at registration.
 *
 * Status is derived at read time (read-model.ts): a runner is `online` while its last heartbeat is at most
 * `config.runnerOfflineAfterSeconds` old, and `busy` only while online. The audit log records what a runner changes:
 * coming online after being offline (`enterprise.self_hosted_runner_online`) and a new application version
 * (`enterprise.self_hosted_runner_updated`), as GitHub's enterprise audit log names them; going offline is only ever
 * inferred from silence, so it writes no event.
 */
import { hashToken } from '../../auth/tokens.ts';
import { ApiError, notFound, validationFailed } from '../../errors/api-error.ts';
import type { EnterpriseRow, RunnerRow } from '../../storage/tables.ts';
import { recordAudit } from '../audit.ts';
import type { Actor, DomainContext } from '../context.ts';
import { insertLabels, labelsOf, parseRunnerArchitecture, parseRunnerOs, readOnlyLabels, type RunnerOs } from './labels.ts';
import { runnerStatus, type WireRunner } from './read-model.ts';
import { deleteRunnerRow, loadWireRunner, runnerByCredentialHash } from './repository.ts';
import { isRunningJob, runnerAuditData } from './service.ts';

export interface AuthenticatedRunner {
  runner: RunnerRow;
  enterprise: EnterpriseRow;
}

/** The runner a runner credential (`ghr_…`) belongs to, or undefined (unknown, or the runner was removed). */
export async function authenticateRunnerCredential(ctx: DomainContext, token: string): Promise<AuthenticatedRunner | undefined> {
  if (!token.startsWith('ghr_')) return undefined;
  const runner = await runnerByCredentialHash(ctx.db, hashToken(token));
  if (runner === undefined) return undefined;
  const enterprise = await ctx.db.selectFrom('enterprises').selectAll().where('id', '=', runner.enterprise_id).executeTakeFirst();
  return enterprise === undefined ? undefined : { runner, enterprise };
}

export interface HeartbeatInput {
  busy: boolean;
  version?: string | undefined;
  /** Reported by a just-in-time runner on first contact, which the service knew only as `os: "unknown"`. */
  os?: string | undefined;
  architecture?: string | undefined;
}

/**
 * Records a heartbeat: `last_seen_at` = now, `busy` as reported, `version` when given. A runner whose platform was
 * unknown (JIT) takes the reported `os`/`architecture` and gains the matching read-only labels; a known platform
 * never changes.
 */
export async function recordHeartbeat(ctx: DomainContext, auth: AuthenticatedRunner, input: HeartbeatInput): Promise<WireRunner> {
  const { enterprise } = auth;
  let os: RunnerOs | undefined;
  if (input.os !== undefined) {
    os = parseRunnerOs(input.os);
    if (os === undefined) throw validationFailed([`Unknown operating system "${input.os}" (expected linux, macos or windows).`]);
  }
  const architecture = input.architecture === undefined ? undefined : parseRunnerArchitecture(input.architecture);
  if (input.architecture !== undefined && architecture === undefined) {
    throw validationFailed([`Unknown architecture "${input.architecture}" (expected x64, arm or arm64).`]);
  }
  const version = input.version === undefined || input.version.trim() === '' ? undefined : input.version.trim();
  const now = ctx.clock.now().toISOString();

  await ctx.db.transaction().execute(async (trx) => {
    const runner = await trx.selectFrom('runners').selectAll().where('id', '=', auth.runner.id).executeTakeFirst();
    if (runner === undefined) throw notFound();
    const wasOnline = runnerStatus(ctx, runner) === 'online';
    const learnPlatform = runner.os === 'unknown' && os !== undefined;
    await trx
      .updateTable('runners')
      .set({
        last_seen_at: now,
        busy: input.busy ? 1 : 0,
        updated_at: now,
        ...(version === undefined ? {} : { version }),
        ...(learnPlatform ? { os, architecture: architecture ?? 'x64' } : {}),
      })
      .where('id', '=', runner.id)
      .execute();
    if (learnPlatform) {
      await insertLabels(trx, runner.id, await labelsOf(trx, runner.id), readOnlyLabels(os, architecture ?? 'x64'), 'read-only');
    }
    if (!wasOnline) {
      await recordAudit(trx, ctx.clock, {
        action: 'enterprise.self_hosted_runner_online',
        enterpriseId: enterprise.id,
        data: runnerAuditData(enterprise, runner, learnPlatform ? { os } : {}),
      });
    }
    if (version !== undefined && runner.version !== null && runner.version !== version) {
      await recordAudit(trx, ctx.clock, {
        action: 'enterprise.self_hosted_runner_updated',
        enterpriseId: enterprise.id,
        data: runnerAuditData(enterprise, runner, { from_version: runner.version, to_version: version }),
      });
    }
  });
  const wire = await loadWireRunner(ctx, ctx.db, enterprise.id, auth.runner.id);
  if (wire === undefined) throw notFound();
  return wire;
}

/** Job conclusions as the Actions API spells them. */
const CONCLUSIONS = ['success', 'failure', 'cancelled', 'skipped', 'timed_out', 'neutral', 'action_required'] as const;
export type JobConclusion = (typeof CONCLUSIONS)[number];

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
/** `owner/name`: a GitHub login, then a repository name (letters, digits, `.`, `_`, `-`). */
const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\/([A-Za-z0-9._-]{1,100})$/;

/** Billing SKUs of self-hosted minutes by runner OS, as `minutes_used_breakdown` keys them (openapi-contract.md §2). */
const SKU_BY_OS: Readonly<Record<RunnerOs, string>> = { linux: 'UBUNTU', macos: 'MACOS', windows: 'WINDOWS' };

export interface JobReportInput {
  /** `owner/name` of the repository whose workflow ran the job. */
  repository: string;
  started_at: string;
  completed_at: string;
  conclusion: string;
  public_repository?: boolean | undefined;
}

export interface JobReportResult {
  usage: {
    id: number;
    product: string;
    sku: string;
    unit: string;
    quantity: number;
    usage_date: string;
    repository: string;
    organization_id: number | null;
    self_hosted: boolean;
    public_repository: boolean;
    runner_id: number;
  };
  /** True when the runner was ephemeral and has been removed after this, its one job. */
  runner_removed: boolean;
}

/**
 * Records a finished job: one Actions usage row (`usage_records`, product `actions`, unit `minutes`, quantity = the
 * job's duration rounded up to whole minutes, as GitHub rounds each job; SKU from the runner's OS; `self_hosted` = 1,
 * so billing counts but never charges it; usage date = the UTC day of `completed_at`; organization resolved when the
 * repository owner is an organization of this enterprise). The runner is idle afterwards; an ephemeral runner is
 * removed (audited as `enterprise.remove_self_hosted_runner`). 422 for malformed reports, and for a runner that has
 * never reported its OS (a JIT runner must heartbeat with `os` first).
 */
export async function reportJob(ctx: DomainContext, auth: AuthenticatedRunner, input: JobReportInput): Promise<JobReportResult> {
  const problems: string[] = [];
  const repo = REPOSITORY.exec(input.repository);
  if (repo === null) problems.push('repository must be "owner/name".');
  const started = ISO_DATE_TIME.test(input.started_at) ? Date.parse(input.started_at) : Number.NaN;
  const completed = ISO_DATE_TIME.test(input.completed_at) ? Date.parse(input.completed_at) : Number.NaN;
  if (Number.isNaN(started)) problems.push('started_at must be an ISO 8601 date-time.');
  if (Number.isNaN(completed)) problems.push('completed_at must be an ISO 8601 date-time.');
  if (!Number.isNaN(started) && !Number.isNaN(completed) && completed < started) problems.push('completed_at cannot be before started_at.');
  if (!(CONCLUSIONS as readonly string[]).includes(input.conclusion)) problems.push(`conclusion must be one of ${CONCLUSIONS.join(', ')}.`);
  if (problems.length > 0) throw validationFailed(problems);
  const owner = repo?.[1] ?? '';
  const minutes = Math.ceil((completed - started) / 60_000);
  const usageDate = new Date(completed).toISOString().slice(0, 10);
  const now = ctx.clock.now().toISOString();
  const { enterprise } = auth;

  return ctx.db.transaction().execute(async (trx) => {
    const runner = await trx.selectFrom('runners').selectAll().where('id', '=', auth.runner.id).executeTakeFirst();
    if (runner === undefined) throw notFound();
    const os = parseRunnerOs(runner.os);
    if (os === undefined) {
      throw validationFailed(['The runner has not reported its operating system yet; send a heartbeat with "os" first.']);
    }
    const org = await trx
      .selectFrom('organizations')
      .select('id')
      .where('login_lower', '=', owner.toLowerCase())
      .where('enterprise_id', '=', enterprise.id)
      .executeTakeFirst();
    const publicRepository = input.public_repository === true;
    const usage = await trx
      .insertInto('usage_records')
      .values({
        enterprise_id: enterprise.id,
        org_id: org?.id ?? null,
        repository: input.repository,
        usage_date: usageDate,
        product: 'actions',
        sku: SKU_BY_OS[os],
        unit: 'minutes',
        quantity: minutes,
        self_hosted: 1,
        public_repository: publicRepository ? 1 : 0,
        runner_id: runner.id,
        created_at: now,
      })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    const removed = runner.ephemeral === 1;
    if (removed) {
      await deleteRunnerRow(trx, runner.id);
      await recordAudit(trx, ctx.clock, {
        action: 'enterprise.remove_self_hosted_runner',
        enterpriseId: enterprise.id,
        data: runnerAuditData(enterprise, runner, { reason: 'ephemeral_job_completed' }),
      });
    } else {
      await trx.updateTable('runners').set({ busy: 0, last_seen_at: now, updated_at: now }).where('id', '=', runner.id).execute();
    }
    return {
      usage: {
        id: usage.id,
        product: 'actions',
        sku: SKU_BY_OS[os],
        unit: 'minutes',
        quantity: minutes,
        usage_date: usageDate,
        repository: input.repository,
        organization_id: org?.id ?? null,
        self_hosted: true,
        public_repository: publicRepository,
        runner_id: runner.id,
      },
      runner_removed: removed,
    };
  });
}

/**
 * Removes a runner from the runner side (`config.sh remove`): with a remove-purpose tenant credential any runner of
 * that enterprise, with a runner credential only that runner. A runner running a job cannot be removed (422, as the
 * REST delete). 404 for a runner the caller cannot name.
 */
export async function removeRunnerFromRunnerSide(
  ctx: DomainContext,
  enterprise: EnterpriseRow,
  runnerId: number,
  via: 'remove_token' | 'runner_credential',
  actor: Actor | null = null,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const runner = await trx
      .selectFrom('runners')
      .selectAll()
      .where('id', '=', runnerId)
      .where('enterprise_id', '=', enterprise.id)
      .executeTakeFirst();
    if (runner === undefined) throw notFound();
    if (isRunningJob(ctx, runner)) {
      throw new ApiError(422, `Bad request - Runner "${runner.name}" is still running a job`, { errors: [], code: 'runner_busy' });
    }
    await deleteRunnerRow(trx, runner.id);
    await recordAudit(trx, ctx.clock, {
      action: 'enterprise.remove_self_hosted_runner',
      enterpriseId: enterprise.id,
      actor,
      data: runnerAuditData(enterprise, runner, { reason: via === 'remove_token' ? 'removed_with_remove_token' : 'removed_by_runner' }),
    });
  });
}
