/**
 * Rate-limit accounting behind the `x-ratelimit-*` headers: fixed one-hour windows per caller (a token, or the
 * address of an unauthenticated caller), as GitHub describes them
 * (https://docs.github.com/enterprise-server@3.19/rest/using-the-rest-api/rate-limits-for-the-rest-api).
 *
 * Where the counts live:
 * - Limits off (`GATEHOUSE_RATE_LIMIT=0`, the default, as on GHES): in the process. The headers report each
 *   instance's own count and nothing is refused, so no request pays a round trip for them.
 * - Limits on, on SQLite: in the process (one process serves the store).
 * - Limits on, on PostgreSQL: in the `rate_limit_counters` table, one atomic upsert-and-return per counted request,
 *   so any number of instances together allow each caller the configured number per hour. If that statement fails
 *   (the database is unreachable or overloaded), the request is counted in the process instead and answered (the
 *   limit then holds per instance until the database answers again); a warning is logged at most once a minute.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../storage/db.ts';
import type { Database } from '../storage/tables.ts';
import type { MaybePromise } from '../storage/read-cache.ts';

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds at which the window resets. */
  reset: number;
  exceeded: boolean;
}

export interface RateLimiter {
  /** Counts one request by `key` at `nowMs` and returns the state to report (a promise when counted in a shared store). */
  hit(key: string, nowMs: number): MaybePromise<RateLimitState>;
}

const REPORTED_LIMIT = 5000;
const WINDOW_MS = 3_600_000;

function windowStart(nowMs: number): number {
  return nowMs - (nowMs % WINDOW_MS);
}

function stateOf(limitPerHour: number, start: number, used: number): RateLimitState {
  const enforced = limitPerHour > 0;
  const limit = enforced ? limitPerHour : REPORTED_LIMIT;
  return {
    limit,
    used,
    remaining: Math.max(0, limit - used),
    reset: Math.floor((start + WINDOW_MS) / 1000),
    exceeded: enforced && used > limit,
  };
}

/** Counts in the process. */
export class LocalRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  /** @param limitPerHour - requests allowed per window; 0 reports GitHub's usual 5,000 but never refuses */
  constructor(private readonly limitPerHour: number) {}

  hit(key: string, nowMs: number): RateLimitState {
    const start = windowStart(nowMs);
    let window = this.windows.get(key);
    if (window === undefined || window.start !== start) {
      if (this.windows.size > 100_000) this.windows.clear();
      window = { start, used: 0 };
      this.windows.set(key, window);
    }
    window.used += 1;
    return stateOf(this.limitPerHour, start, window.used);
  }
}

/** Counts in PostgreSQL, shared by every instance on the database. */
export class PostgresRateLimiter implements RateLimiter {
  private readonly fallback: LocalRateLimiter;
  /** The window whose predecessors' rows were last cleared by this process. */
  private clearedBefore = 0;
  private lastWarning = 0;

  /**
   * @param db - the store (migration 0009 made the table)
   * @param limitPerHour - requests allowed per window (greater than 0)
   * @param warn - where a failed count is reported
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limitPerHour: number,
    private readonly warn: (message: string) => void,
  ) {
    this.fallback = new LocalRateLimiter(limitPerHour);
  }

  async hit(key: string, nowMs: number): Promise<RateLimitState> {
    const start = windowStart(nowMs);
    try {
      // One statement, atomic under concurrency: the row is locked from the conflict to the end of the update. A
      // window older than the stored one (an instance whose clock lags) counts into the stored one instead of
      // resetting it.
      const { rows } = await sql<{ used: number; window_start: number }>`
        insert into rate_limit_counters as c (key, window_start, used) values (${key}, ${start}, 1)
        on conflict (key) do update set
          used = case when excluded.window_start > c.window_start then 1 else c.used + 1 end,
          window_start = greatest(c.window_start, excluded.window_start)
        returning used, window_start`.execute(this.db);
      const row = rows[0];
      if (row === undefined) throw new Error('rate-limit upsert returned no row');
      this.clearOldWindows(start);
      return stateOf(this.limitPerHour, Number(row.window_start), Number(row.used));
    } catch (error) {
      if (nowMs - this.lastWarning > 60_000) {
        this.lastWarning = nowMs;
        this.warn(`rate-limit counters unavailable, counting in this process: ${error instanceof Error ? error.message : String(error)}`);
      }
      return this.fallback.hit(key, nowMs);
    }
  }

  /** Rows of past windows are dead weight: once per window, this process deletes them (no request waits for it). */
  private clearOldWindows(start: number): void {
    if (this.clearedBefore >= start) return;
    this.clearedBefore = start;
    sql`delete from rate_limit_counters where window_start < ${start}`.execute(this.db).catch(() => {
      this.clearedBefore = 0;
    });
  }
}

/** The rate limiter a store and limit call for (see the module comment). */
export function createRateLimiter(db: Kysely<Database>, dialect: DialectName, limitPerHour: number, warn: (message: string) => void): RateLimiter {
  if (dialect === 'postgres' && limitPerHour > 0) return new PostgresRateLimiter(db, limitPerHour, warn);
  return new LocalRateLimiter(limitPerHour);
}
