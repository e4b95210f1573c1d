/**
 * What every domain service needs: the store, the configuration and a clock. Built once in `buildApp` and passed
 * explicitly; no module holds state.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config/config.ts';
import type { DialectName } from '../storage/db.ts';
import type { Database } from '../storage/tables.ts';

export interface Clock {
  now(): Date;
  /** The same instant in epoch milliseconds, when the clock can give it without making a Date. */
  nowMs?(): number;
}

export const systemClock: Clock = { now: () => new Date() };

/** The clock's time in epoch milliseconds, without a Date on the system clock (hot paths read it several times a request). */
export function nowMs(clock: Clock): number {
  if (clock === systemClock) return Date.now();
  return clock.nowMs !== undefined ? clock.nowMs() : clock.now().getTime();
}

export type Db = Kysely<Database> | Transaction<Database>;

export interface DomainContext {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly config: Config;
  readonly clock: Clock;
}

/** The caller as far as the domain cares: who acts, for audit and authorization. */
export interface Actor {
  readonly id: number;
  readonly login: string;
  readonly siteAdmin: boolean;
}
