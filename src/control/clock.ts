/**
 * The server's clock, settable by the control API (`/_gatehouse/api/clock`): real time, real time shifted by an
 * offset, or frozen at an instant. Everything that reads `ctx.clock` follows it — runner online/offline, registration
 * token expiry, the stale-runner sweep, billing cycles and included minutes, audit timestamps.
 *
 * While it is real (no offset, not frozen) `nowMs()` is one branch and the base clock's read, so the hot path pays
 * nothing measurable. The offset lives in this process: with several instances on one PostgreSQL database, each
 * instance has its own clock (set it on each, or run one instance when tests move time).
 */
import { systemClock, type Clock } from '../domain/context.ts';

export interface ClockState {
  now: string;
  offset_ms: number;
  frozen: boolean;
}

export class ServerClock implements Clock {
  readonly #base: Clock;
  #real = true;
  #offsetMs = 0;
  /** Epoch ms the clock is stopped at, or undefined while it runs. */
  #frozenAt: number | undefined;
  readonly #listeners = new Set<() => void>();

  /** @param base - the time source the offset applies to (the system clock; a test's clock in the test suite) */
  constructor(base: Clock = systemClock) {
    this.#base = base;
  }

  #baseMs(): number {
    return this.#base === systemClock ? Date.now() : this.#base.now().getTime();
  }

  nowMs(): number {
    if (this.#real) return this.#base === systemClock ? Date.now() : this.#base.now().getTime();
    return this.#frozenAt ?? this.#baseMs() + this.#offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  state(): ClockState {
    // One read of the base, so a real clock reports an offset of exactly 0.
    const base = this.#baseMs();
    const now = this.#frozenAt ?? base + this.#offsetMs;
    return { now: new Date(now).toISOString(), offset_ms: now - base, frozen: this.#frozenAt !== undefined };
  }

  /** Moves the clock to `ms`; it keeps running from there unless `freeze`. */
  set(ms: number, freeze = false): void {
    if (freeze) this.#frozenAt = ms;
    else {
      this.#frozenAt = undefined;
      this.#offsetMs = ms - this.#baseMs();
    }
    this.#changed();
  }

  /** Moves the clock forward (or back, with a negative amount) by `ms`, frozen or running. */
  advance(ms: number): void {
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    else this.#offsetMs += ms;
    this.#changed();
  }

  /** Stops the clock where it is now (true) or lets it run on from where it stands (false). */
  freeze(frozen: boolean): void {
    const now = this.nowMs();
    if (frozen) this.#frozenAt = now;
    else if (this.#frozenAt !== undefined) {
      this.#frozenAt = undefined;
      this.#offsetMs = now - this.#baseMs();
    }
    this.#changed();
  }

  /** Back to real time. */
  real(): void {
    this.#frozenAt = undefined;
    this.#offsetMs = 0;
    this.#changed();
  }

  /** Called after every change (set, advance, freeze, real); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    this.#real = this.#frozenAt === undefined && this.#offsetMs === 0;
    for (const listener of this.#listeners) listener();
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A duration: milliseconds as a number, or text such as `15d`, `2h30m`, `90s`, `-1d`, `500ms`. Undefined when it does
 * not parse.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  const match = /^(-?)((?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+)$/.exec(text);
  if (match === null) return undefined;
  let total = 0;
  for (const part of (match[2] ?? '').matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(part[1]) * (UNITS[part[2] ?? ''] ?? 0);
  return Math.round(match[1] === '-' ? -total : total);
}
