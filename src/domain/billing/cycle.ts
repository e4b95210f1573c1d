/**
 * Billing cycles. Minutes and data transfer reset every cycle and usage "shares your account's existing billing date"
 * (github-semantics §2.2); an enterprise's cycle starts on `enterprises.billing_cycle_day` (1–28, default 1, i.e.
 * calendar months). All dates are UTC calendar days written `YYYY-MM-DD`, the ledger's `usage_date` format, so they
 * compare correctly as strings.
 */

export interface BillingCycle {
  /** First day of the cycle (inclusive). */
  readonly start: string;
  /** First day of the next cycle (exclusive). */
  readonly end: string;
  /** Length in days. */
  readonly days: number;
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a UTC date. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function utc(year: number, monthIndex: number, day: number): Date {
  return new Date(Date.UTC(year, monthIndex, day));
}

function clampCycleDay(cycleDay: number): number {
  return Number.isInteger(cycleDay) && cycleDay >= 1 && cycleDay <= 28 ? cycleDay : 1;
}

/** The cycle containing `day` for an enterprise whose cycle starts on `cycleDay` of each month. */
export function cycleContaining(day: string, cycleDay: number): BillingCycle {
  const d = clampCycleDay(cycleDay);
  const [y, m, dd] = day.split('-').map(Number) as [number, number, number];
  const start = dd >= d ? utc(y, m - 1, d) : utc(y, m - 2, d);
  const end = utc(start.getUTCFullYear(), start.getUTCMonth() + 1, d);
  return { start: isoDay(start), end: isoDay(end), days: Math.round((end.getTime() - start.getTime()) / DAY_MS) };
}

/** The cycle running at `now`. */
export function currentCycle(now: Date, cycleDay: number): BillingCycle {
  return cycleContaining(isoDay(now), cycleDay);
}

/**
 * Days left in the cycle after today: GitHub's migration guide computes it as "days in month minus today", so on the
 * last day of a calendar-month cycle it is 0 and on the 15th of a 30-day month it is 15.
 */
export function daysLeftInCycle(now: Date, cycle: BillingCycle): number {
  const today = Date.parse(`${isoDay(now)}T00:00:00Z`);
  const end = Date.parse(`${cycle.end}T00:00:00Z`);
  return Math.max(0, Math.round((end - today) / DAY_MS) - 1);
}

/** Every cycle overlapping the half-open day range `[from, to)`, in order. */
export function cyclesOverlapping(from: string, to: string, cycleDay: number): BillingCycle[] {
  const out: BillingCycle[] = [];
  let cycle = cycleContaining(from, cycleDay);
  while (cycle.start < to) {
    out.push(cycle);
    cycle = cycleContaining(cycle.end, cycleDay);
  }
  return out;
}

/** True when `text` is a real calendar day written `YYYY-MM-DD`. */
export function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && isoDay(parsed) === text;
}

/** The day after `day`. */
export function nextDay(day: string): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));
}
