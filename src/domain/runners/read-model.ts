/**
 * Reading runners: the `runner` wire shape (OpenAPI "Self hosted runners") and the paged lists that the runner and
 * runner-group endpoints share. Status is derived at read time from the last heartbeat, so no background job is needed.
 */
import { sql } from 'kysely';
import { precompiled } from '../../storage/precompiled.ts';
import { cachedRead, type MaybePromise } from '../../storage/read-cache.ts';
import { nowMs, type Db, type DomainContext } from '../context.ts';
import type { RunnerLabelRow, RunnerRow } from '../../storage/tables.ts';

export interface WireRunnerLabel {
  id: number;
  name: string;
  type: 'read-only' | 'custom';
}

export interface WireRunner {
  id: number;
  runner_group_id: number;
  name: string;
  os: string;
  status: 'online' | 'offline';
  busy: boolean;
  ephemeral: boolean;
  labels: readonly WireRunnerLabel[];
  version: string | null;
}

/** A runner row joined with its group's public number. */
export type RunnerWithGroup = RunnerRow & { group_number: number };

export function runnerStatus(ctx: DomainContext, runner: Pick<RunnerRow, 'last_seen_at'>): 'online' | 'offline' {
  return statusAt(ctx, runner.last_seen_at === null ? null : Date.parse(runner.last_seen_at));
}

/** Online while the last heartbeat (epoch ms, null for never) is at most `runnerOfflineAfterSeconds` old. */
function statusAt(ctx: DomainContext, lastSeenMs: number | null): 'online' | 'offline' {
  if (lastSeenMs === null) return 'offline';
  return nowMs(ctx.clock) - lastSeenMs <= ctx.config.runnerOfflineAfterSeconds * 1000 ? 'online' : 'offline';
}

export function toWireLabel(label: Pick<RunnerLabelRow, 'id' | 'name' | 'type'>): WireRunnerLabel {
  return { id: label.id, name: label.name, type: label.type };
}

/** Read-only labels first (self-hosted, OS, architecture, in registration order), then custom labels. */
function labelOrder(a: LabelRow, b: LabelRow): number {
  if (a.type !== b.type) return a.type === 'read-only' ? -1 : 1;
  return a.id - b.id;
}

export function toWireRunner(ctx: DomainContext, runner: RunnerWithGroup, labels: readonly LabelRow[]): WireRunner {
  return wireShape(runner, runnerStatus(ctx, runner), [...labels].sort(labelOrder).map(toWireLabel));
}

function wireShape(runner: RunnerWithGroup, status: 'online' | 'offline', labels: readonly WireRunnerLabel[]): WireRunner {
  return {
    id: runner.id,
    runner_group_id: runner.group_number,
    name: runner.name,
    os: runner.os,
    status,
    // A runner that is offline cannot be running a job.
    busy: runner.busy === 1 && status === 'online',
    ephemeral: runner.ephemeral === 1,
    labels,
    version: runner.version,
  };
}

/** A label as the wire shape needs it. */
export type LabelRow = Pick<RunnerLabelRow, 'id' | 'runner_id' | 'name' | 'type'>;

/**
 * Labels of many runners in one query, grouped by runner id: only the columns the wire shape uses, unordered (the
 * wire order is made by `toWireRunner`).
 */
export async function labelsByRunner(db: Db, runnerIds: readonly number[]): Promise<Map<number, LabelRow[]>> {
  const out = new Map<number, LabelRow[]>();
  if (runnerIds.length === 0) return out;
  const rows = await db.selectFrom('runner_labels').select(['id', 'runner_id', 'name', 'type']).where('runner_id', 'in', runnerIds).execute();
  for (const row of rows) {
    const list = out.get(row.runner_id);
    if (list === undefined) out.set(row.runner_id, [row]);
    else list.push(row);
  }
  return out;
}

function runnersQuery(db: Db) {
  return db
    .selectFrom('runners as r')
    .innerJoin('runner_groups as g', 'g.id', 'r.runner_group_id')
    .selectAll('r')
    .select('g.number as group_number');
}

/** One runner of an enterprise by its public id, or undefined (another enterprise's runner is not found). */
export async function findRunner(db: Db, enterpriseId: number, runnerId: number): Promise<RunnerWithGroup | undefined> {
  return (await runnerById(db, { enterpriseId, runnerId }))[0];
}

// GET …/runners/{id} runs these on every call: precompiled, and through the read cache (src/storage/read-cache.ts).
const runnerById = precompiled((db, p: { enterpriseId: number; runnerId: number }) =>
  runnersQuery(db).where('r.enterprise_id', '=', p.enterpriseId).where('r.id', '=', p.runnerId),
);
// The runner and its labels in one statement (a row per label; one round trip less on PostgreSQL).
const runnerWithLabelsById = precompiled((db, p: { enterpriseId: number; runnerId: number }) =>
  runnersQuery(db)
    .leftJoin('runner_labels as l', 'l.runner_id', 'r.id')
    .select(['l.id as label_id', 'l.name as label_name', 'l.type as label_type'])
    .where('r.enterprise_id', '=', p.enterpriseId)
    .where('r.id', '=', p.runnerId),
);

/**
 * One runner as the read cache keeps it: the row, its labels already in wire order and shape, its last heartbeat
 * parsed, and its wire shape for each status, made on first use: a cached runner GET only works out the status.
 */
export interface RunnerView {
  readonly runner: RunnerWithGroup;
  readonly labels: readonly WireRunnerLabel[];
  readonly lastSeenMs: number | null;
  readonly wire: { online?: WireRunner; offline?: WireRunner };
}

/** A runner with its labels (the wire shape adds the status, which depends on the clock). */
export function findRunnerView(db: Db, enterpriseId: number, runnerId: number): MaybePromise<RunnerView | undefined> {
  return cachedRead(db, `runner\u0000${enterpriseId}\u0000${runnerId}`, async (): Promise<RunnerView | undefined> => {
    const rows = await runnerWithLabelsById(db, { enterpriseId, runnerId });
    if (rows[0] === undefined) return undefined;
    const { label_id: _id, label_name: _name, label_type: _type, ...runner } = rows[0];
    const labels: LabelRow[] = [];
    for (const row of rows) {
      if (row.label_id === null || row.label_name === null || row.label_type === null) continue;
      labels.push({ id: row.label_id, runner_id: runner.id, name: row.label_name, type: row.label_type });
    }
    return {
      runner,
      labels: Object.freeze(labels.sort(labelOrder).map((label) => Object.freeze(toWireLabel(label)))),
      lastSeenMs: runner.last_seen_at === null ? null : Date.parse(runner.last_seen_at),
      wire: {},
    };
  });
}

/**
 * The wire shape of a runner view at the current time: one frozen object per view and status, so that callers may
 * keep things derived from it (the runner GET keeps its serialised body) for as long as the view is cached.
 */
export function wireRunnerOfView(ctx: DomainContext, view: RunnerView): WireRunner {
  const status = statusAt(ctx, view.lastSeenMs);
  let wire = view.wire[status];
  if (wire === undefined) {
    wire = Object.freeze(wireShape(view.runner, status, view.labels));
    view.wire[status] = wire;
  }
  return wire;
}

export interface RunnerListFilter {
  enterpriseId: number;
  /** Internal runner_groups.id to restrict to one group. */
  runnerGroupId?: number;
  /** Exact runner name (case-insensitive), as GitHub's `name` query filters. */
  name?: string;
}

/** A page of runners ordered by id, with the total for `total_count` and the Link header. */
export async function listRunners(
  ctx: DomainContext,
  filter: RunnerListFilter,
  page: { offset: number; perPage: number },
): Promise<{ total: number; runners: WireRunner[] }> {
  const matching = () => {
    let query = ctx.db.selectFrom('runners as r').where('r.enterprise_id', '=', filter.enterpriseId);
    if (filter.runnerGroupId !== undefined) query = query.where('r.runner_group_id', '=', filter.runnerGroupId);
    if (filter.name !== undefined) query = query.where('r.name_lower', '=', filter.name.toLowerCase());
    return query;
  };
  // The total is the same on every page until the store changes: kept in the read cache (src/storage/read-cache.ts).
  const total = await cachedRead(
    ctx.db,
    `runner-count\u0000${filter.enterpriseId}\u0000${filter.runnerGroupId ?? ''}\u0000${filter.name?.toLowerCase() ?? ''}`,
    async () => Number((await matching().select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n),
  );
  if (total <= page.offset) return { total, runners: [] };
  // OFFSET walks the (enterprise_id, id) / (runner_group_id, id) index alone; only the page's rows are read and joined.
  const pageIds = matching().select('r.id').orderBy('r.id').limit(page.perPage).offset(page.offset);
  const rows = await runnersQuery(ctx.db).where('r.id', 'in', pageIds).orderBy('r.id').execute();
  const labels = await labelsByRunner(ctx.db, rows.map((r) => r.id));
  return { total, runners: rows.map((r) => toWireRunner(ctx, r, labels.get(r.id) ?? [])) };
}
