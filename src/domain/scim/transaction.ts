/**
 * One transaction per SCIM write (a failed request leaves nothing behind), with the two concurrency rules every
 * SCIM write shares:
 * - uniqueness is the database's: a unique-constraint violation (two IdP workers creating the same userName at
 *   once) becomes 409 `uniqueness`, never a 500;
 * - updates are optimistic (`… where version = ?`): a request that lost the race is retried from scratch, so
 *   concurrent PATCHes of one group all apply, and a stale `If-Match` is judged against the newest version.
 */
import type { Transaction } from 'kysely';
import { ApiError } from '../../errors/api-error.ts';
import { ScimError } from '../../scim/engine/index.ts';
import { isUniqueViolation } from '../../storage/db.ts';
import { withScimTables, type ScimDb } from '../../storage/scim-filter-sql.ts';
import type { Database } from '../../storage/tables.ts';
import type { DomainContext } from '../context.ts';

/** Thrown inside a transaction when an optimistic update found a newer version; the transaction is retried. */
export class ConcurrentChange extends Error {
  constructor() {
    super('the resource changed during the request');
    this.name = 'ConcurrentChange';
  }
}

const MAX_ATTEMPTS = 8;

/** PostgreSQL deadlock (40P01) or serialization failure (40001): safe to retry the whole transaction. */
function isRetryable(error: unknown): boolean {
  if (error instanceof ConcurrentChange) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}

/** A uniqueness failure from `createUser` in `accounts.ts` (422 `already_exists`) means the same as a 409 here. */
function isAlreadyExists(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.code === 'validation_failed' &&
    (error.errors ?? []).some((item) => typeof item === 'object' && item.code === 'already_exists')
  );
}

/**
 * Runs `work` in a transaction, retrying on lost optimistic races, mapping uniqueness violations to 409.
 *
 * @param ctx - domain context
 * @param conflictDetail - the 409 detail for a unique-constraint violation (the race the pre-checks cannot see)
 * @param work - the transaction body; gets the transaction as `Database` (for other domains' functions) and with
 *   the SCIM tables of migration 0007
 */
export async function scimTransaction<T>(
  ctx: DomainContext,
  conflictDetail: string,
  work: (trx: Transaction<Database>, db: ScimDb) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ctx.db.transaction().execute((trx) => work(trx, withScimTables(trx)));
    } catch (error) {
      if (isRetryable(error) && attempt < MAX_ATTEMPTS) {
        // Transactions that collided (a deadlock most of all) would collide again if retried in step: a short random
        // pause, growing with each attempt, lets one of them through first.
        if (!(error instanceof ConcurrentChange)) await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));
        continue;
      }
      // Still colliding after every attempt: the client's retry is the remedy, never a 500.
      if (isRetryable(error)) throw ScimError.uniqueness('The resource is being changed by another request; retry');
      if (isUniqueViolation(error) || isAlreadyExists(error)) throw ScimError.uniqueness(conflictDetail);
      throw error;
    }
  }
}

/** `If-Match` judged against the stored version; 412 when it names another version (RFC 7644 §3.14). */
export type VersionCheck = (version: number) => boolean;

export function checkVersion(check: VersionCheck | undefined, version: number): void {
  if (check !== undefined && !check(version)) {
    throw new ScimError(412, `The resource is at version W/"${version}"; the If-Match precondition failed`);
  }
}
