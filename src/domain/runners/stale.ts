/**
 * Automatic removal of self-hosted runners that stopped connecting, as GitHub does it: a runner that has not connected
 * for more than 14 days is removed, an ephemeral runner after more than 1 day (github-semantics.md §1.5,
 * DOCS:`data/reusables/actions/self-hosted-runner-auto-removal.md`). Gatehouse makes both periods configurable
 * (`runnerRetentionDays`, `ephemeralRunnerRetentionDays`; 0 = never) and sweeps when the server is ready and then
 * every hour.
 *
 * A runner's last contact is its last heartbeat (`last_seen_at`), or its registration (`created_at`) when it never
 * connected. Each removal writes `enterprise.remove_self_hosted_runner`, as a removal through the API does, with the
 * system as actor. The sweep is safe to run from several instances at once: on PostgreSQL the rows to remove are
 * locked with `FOR UPDATE SKIP LOCKED`, so concurrent sweeps split the work instead of waiting on each other, and each
 * audits exactly the rows its own `DELETE … RETURNING` removed.
 */
import type { EnterpriseRow } from '../../storage/tables.ts';
import { recordAudits, type AuditInput } from '../audit.ts';
import type { Actor, DomainContext } from '../context.ts';
import { runnerAuditData } from './service.ts';

const DAY_MS = 86_400_000;

/** How often the scheduled sweep runs after the first one. */
export const STALE_RUNNER_SWEEP_INTERVAL_MS = 3_600_000;

/**
 * Removes every runner whose last contact is older than the retention period of its kind (strictly more than
 * `runnerRetentionDays` days, or `ephemeralRunnerRetentionDays` for ephemeral runners, by `ctx.clock`), with its
 * labels (ON DELETE CASCADE), in one transaction with one audit event per removed runner. A busy runner that is still
 * online is never removed. Returns how many runners were removed.
 * @param actor - who the audit events name; the system (null) for the scheduled sweep
 */
export async function removeStaleRunners(ctx: DomainContext, actor: Actor | null = null): Promise<number> {
  const { runnerRetentionDays, ephemeralRunnerRetentionDays, runnerOfflineAfterSeconds } = ctx.config;
  if (runnerRetentionDays === 0 && ephemeralRunnerRetentionDays === 0) return 0;
  const now = ctx.clock.now().getTime();
  const before = (ms: number): string => new Date(now - ms).toISOString();
  // Timestamps are ISO-8601 text from the app's clock (storage/tables.ts), so text comparison orders them.
  const onlineSince = before(runnerOfflineAfterSeconds * 1000);

  return ctx.db.transaction().execute(async (trx) => {
    const stale = trx
      .selectFrom('runners')
      .select('id')
      .where((eb) => {
        const lastContact = eb.fn.coalesce('last_seen_at', 'created_at');
        const kinds = [];
        if (runnerRetentionDays > 0) kinds.push(eb.and([eb('ephemeral', '=', 0), eb(lastContact, '<', before(runnerRetentionDays * DAY_MS))]));
        if (ephemeralRunnerRetentionDays > 0) {
          kinds.push(eb.and([eb('ephemeral', '=', 1), eb(lastContact, '<', before(ephemeralRunnerRetentionDays * DAY_MS))]));
        }
        // Never a runner that is running a job (busy and online, as `isRunningJob` decides).
        const notRunningJob = eb.or([eb('busy', '=', 0), eb('last_seen_at', 'is', null), eb('last_seen_at', '<', onlineSince)]);
        return eb.and([eb.or(kinds), notRunningJob]);
      })
      .$if(ctx.dialect === 'postgres', (qb) => qb.forUpdate().skipLocked());
    const removed = await trx
      .deleteFrom('runners')
      .where('id', 'in', stale)
      .returning(['id', 'name', 'enterprise_id', 'last_seen_at', 'created_at'])
      .execute();
    if (removed.length === 0) return 0;

    const enterpriseIds = [...new Set(removed.map((r) => r.enterprise_id))];
    const enterprises = new Map<number, EnterpriseRow>();
    for (const row of await trx.selectFrom('enterprises').selectAll().where('id', 'in', enterpriseIds).execute()) enterprises.set(row.id, row);
    const events: AuditInput[] = [];
    for (const runner of removed.sort((a, b) => a.id - b.id)) {
      const enterprise = enterprises.get(runner.enterprise_id);
      // The enterprise row cannot vanish inside this transaction (runners cascade with it); skip rather than fail.
      if (enterprise === undefined) continue;
      events.push({
        action: 'enterprise.remove_self_hosted_runner',
        enterpriseId: enterprise.id,
        actor,
        data: runnerAuditData(enterprise, runner, { reason: 'stale', last_contact_at: runner.last_seen_at ?? runner.created_at }),
      });
    }
    await recordAudits(trx, ctx.clock, events);
    return removed.length;
  });
}

/** Where the scheduled sweep reports (Fastify's logger fits). */
export interface SweepLogger {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface StaleRunnerSweeps {
  /** Settles when the first sweep (started at once) has finished; never rejects. */
  readonly first: Promise<void>;
  /** Stops the schedule and waits for a sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `removeStaleRunners` now and then every `intervalMs` (an unref'd timer, so it never keeps the process alive).
 * Sweeps never overlap; a failed sweep is logged and the next one runs on schedule. Nothing is scheduled when both
 * retention periods are 0.
 */
export function startStaleRunnerSweeps(ctx: DomainContext, log: SweepLogger, intervalMs: number = STALE_RUNNER_SWEEP_INTERVAL_MS): StaleRunnerSweeps {
  if (ctx.config.runnerRetentionDays === 0 && ctx.config.ephemeralRunnerRetentionDays === 0) {
    return { first: Promise.resolve(), stop: () => Promise.resolve() };
  }
  let running: Promise<void> | undefined;
  let stopped = false;
  const sweep = (): Promise<void> => {
    if (running !== undefined || stopped) return running ?? Promise.resolve();
    running = removeStaleRunners(ctx)
      .then(
        (count) => {
          if (count > 0) log.info({ removed: count }, 'removed self-hosted runners that stopped connecting');
        },
        (error: unknown) => log.error({ err: error }, 'stale runner sweep failed'),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return {
    first: sweep(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
