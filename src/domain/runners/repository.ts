/**
 * SQL for the runner area that the read model does not cover: inserting and deleting runner rows, credentials.
 */
import { ApiError } from '../../errors/api-error.ts';
import { isUniqueViolation } from '../../storage/db.ts';
import type { RunnerGroupRow, RunnerRow } from '../../storage/tables.ts';
import type { Db } from '../context.ts';
import { findRunnerView, wireRunnerOfView, type WireRunner } from './read-model.ts';
import { thenMaybe, type MaybePromise } from '../../storage/read-cache.ts';
import type { DomainContext } from '../context.ts';

/** A runner row by the SHA-256 of its credential. */
export async function runnerByCredentialHash(db: Db, credentialHash: string): Promise<RunnerRow | undefined> {
  return db.selectFrom('runners').selectAll().where('credential_hash', '=', credentialHash).executeTakeFirst();
}

export interface NewRunner {
  enterpriseId: number;
  group: RunnerGroupRow;
  name: string;
  os: string;
  architecture: string;
  ephemeral: boolean;
  version: string | null;
  lastSeenAt: string | null;
  credentialHash: string;
  now: string;
}

/** 409 for a runner name already used in the enterprise (runner names are unique per enterprise, ignoring case). */
export function duplicateRunnerName(name: string): ApiError {
  return new ApiError(409, `Already exists - A runner with the name "${name}" already exists.`, { code: 'runner_name_taken' });
}

/** Inserts a runner row; a name clash (ignoring case) becomes 409. */
export async function insertRunner(db: Db, input: NewRunner): Promise<RunnerRow> {
  const existing = await db
    .selectFrom('runners')
    .select('id')
    .where('enterprise_id', '=', input.enterpriseId)
    .where('name_lower', '=', input.name.toLowerCase())
    .executeTakeFirst();
  if (existing !== undefined) throw duplicateRunnerName(input.name);
  try {
    return await db
      .insertInto('runners')
      .values({
        enterprise_id: input.enterpriseId,
        runner_group_id: input.group.id,
        name: input.name,
        name_lower: input.name.toLowerCase(),
        os: input.os,
        architecture: input.architecture,
        busy: 0,
        ephemeral: input.ephemeral ? 1 : 0,
        version: input.version,
        last_seen_at: input.lastSeenAt,
        credential_hash: input.credentialHash,
        created_at: input.now,
        updated_at: input.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    // Two registrations racing for one name: the unique index decides.
    if (isUniqueViolation(error)) throw duplicateRunnerName(input.name);
    throw error;
  }
}

/** Deletes a runner; its labels go with it (ON DELETE CASCADE). Usage rows keep their `runner_id`. */
export async function deleteRunnerRow(db: Db, runnerId: number): Promise<void> {
  await db.deleteFrom('runner_labels').where('runner_id', '=', runnerId).execute();
  await db.deleteFrom('runners').where('id', '=', runnerId).execute();
}

/** The wire shape of one runner of an enterprise, read through `db` (so a transaction sees its own writes). */
export function loadWireRunner(ctx: DomainContext, db: Db, enterpriseId: number, runnerId: number): MaybePromise<WireRunner | undefined> {
  return thenMaybe(findRunnerView(db, enterpriseId, runnerId), (view) => (view === undefined ? undefined : wireRunnerOfView(ctx, view)));
}
