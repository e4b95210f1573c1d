/**
 * Rate-limit accounting behind the `x-ratelimit-*` headers. Fixed one-hour windows per caller, kept per process:
 * with several instances each counts its own share, which is the documented trade-off (GHES ships with rate limits
 * off; set GATEHOUSE_RATE_LIMIT to enforce).
 */

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds at which the window resets. */
  reset: number;
  exceeded: boolean;
}

const REPORTED_LIMIT = 5000;
const WINDOW_MS = 3_600_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  /** @param limitPerHour - requests allowed per window; 0 reports GitHub's usual 5,000 but never refuses */
  constructor(private readonly limitPerHour: number) {}

  /** Counts one request by `key` at `nowMs` and returns the state to report. */
  hit(key: string, nowMs: number): RateLimitState {
    const start = nowMs - (nowMs % WINDOW_MS);
    let window = this.windows.get(key);
    if (window === undefined || window.start !== start) {
      if (this.windows.size > 100_000) this.windows.clear();
      window = { start, used: 0 };
      this.windows.set(key, window);
    }
    window.used += 1;
    const limit = this.limitPerHour > 0 ? this.limitPerHour : REPORTED_LIMIT;
    const enforced = this.limitPerHour > 0;
    return {
      limit,
      used: window.used,
      remaining: Math.max(0, limit - window.used),
      reset: Math.floor((start + WINDOW_MS) / 1000),
      exceeded: enforced && window.used > limit,
    };
  }
}
