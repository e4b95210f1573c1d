/**
 * The audit log: every change to enterprise state writes one event, inside the transaction that made the change,
 * so the log never records what did not happen.
 */
import crypto from 'node:crypto';
import type { Actor, Clock, Db } from './context.ts';

export interface AuditInput {
  action: string;
  enterpriseId?: number | null;
  orgId?: number | null;
  actor?: Actor | null;
  user?: { id: number; login: string } | null;
  data?: Record<string, unknown>;
}

function auditRow(input: AuditInput, createdAt: number) {
  return {
    document_id: crypto.randomBytes(16).toString('base64url'),
    enterprise_id: input.enterpriseId ?? null,
    org_id: input.orgId ?? null,
    action: input.action,
    actor_id: input.actor?.id ?? null,
    actor: input.actor?.login ?? null,
    user_id: input.user?.id ?? null,
    user: input.user?.login ?? null,
    created_at: createdAt,
    data: JSON.stringify(input.data ?? {}),
  };
}

/**
 * Who else hears of events as they are written, per clock (one per app): the test controls' request journal
 * (src/control/journal.ts), which shows each request's resulting change. Heard after the insert, before the commit.
 */
const observers = new WeakMap<Clock, (rows: ReadonlyArray<ReturnType<typeof auditRow>>) => void>();

export function observeAudits(clock: Clock, observer: (rows: ReadonlyArray<ReturnType<typeof auditRow>>) => void): void {
  observers.set(clock, observer);
}

export async function recordAudit(db: Db, clock: Clock, input: AuditInput): Promise<void> {
  const row = auditRow(input, clock.now().getTime());
  await db.insertInto('audit_events').values(row).execute();
  observers.get(clock)?.([row]);
}

/** Events per multi-row insert: 10 parameters a row stays far below SQLite's and PostgreSQL's parameter limits. */
const AUDIT_BATCH = 500;

/** Writes many events with multi-row inserts (one per 500 events), all stamped with the same time. */
export async function recordAudits(db: Db, clock: Clock, inputs: readonly AuditInput[]): Promise<void> {
  const createdAt = clock.now().getTime();
  for (let i = 0; i < inputs.length; i += AUDIT_BATCH) {
    const rows = inputs.slice(i, i + AUDIT_BATCH).map((input) => auditRow(input, createdAt));
    await db.insertInto('audit_events').values(rows).execute();
    observers.get(clock)?.(rows);
  }
}

/** One parsed `phrase` qualifier (GitHub's audit-log search syntax). */
interface PhraseTerm {
  key: 'action' | 'actor' | 'user' | 'org' | 'created' | 'text';
  value: string;
  negated: boolean;
}

export class PhraseError extends Error {}

/** Parses `action:org.add_member actor:mona -user:bot created:>=2026-01-01 created:2026-01-01..2026-02-01`. */
export function parsePhrase(phrase: string): PhraseTerm[] {
  const terms: PhraseTerm[] = [];
  for (const raw of phrase.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const negated = raw.startsWith('-');
    const token = negated ? raw.slice(1) : raw;
    const colon = token.indexOf(':');
    const key = colon > 0 ? token.slice(0, colon).toLowerCase() : 'text';
    const value = (colon > 0 ? token.slice(colon + 1) : token).replace(/^"|"$/g, '');
    if (key !== 'action' && key !== 'actor' && key !== 'user' && key !== 'org' && key !== 'created' && key !== 'text') {
      throw new PhraseError(`unsupported qualifier "${key}"`);
    }
    terms.push({ key, value, negated });
  }
  return terms;
}

function dayBounds(day: string): [number, number] {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(start)) throw new PhraseError(`invalid date "${day}"`);
  return [start, start + 86_400_000];
}

export interface AuditQuery {
  enterpriseId: number;
  phrase?: string | undefined;
  order: 'asc' | 'desc';
  /** Continue after this event id (exclusive), in `order`. */
  afterId?: number | undefined;
  /** Continue before this event id (exclusive), i.e. the previous page. */
  beforeId?: number | undefined;
  offset: number;
  limit: number;
}

/** A page of an enterprise's audit events filtered by a phrase; one extra row tells whether more follow. */
export async function queryAudit(db: Db, query: AuditQuery) {
  let q = db.selectFrom('audit_events as a').leftJoin('organizations as o', 'o.id', 'a.org_id').leftJoin('enterprises as e', 'e.id', 'a.enterprise_id')
    .selectAll('a').select(['o.login as org_login', 'e.slug as business'])
    .where('a.enterprise_id', '=', query.enterpriseId);
  for (const term of parsePhrase(query.phrase ?? '')) {
    q = q.where((eb) => {
      let cond;
      switch (term.key) {
        case 'action':
          // `action:team` means the whole category, `action:team.create` one action.
          cond = term.value.includes('.') ? eb('a.action', '=', term.value) : eb.or([eb('a.action', '=', term.value), eb('a.action', 'like', `${term.value}.%`)]);
          break;
        case 'actor':
          cond = eb('a.actor', '=', term.value);
          break;
        case 'user':
          cond = eb('a.user', '=', term.value);
          break;
        case 'org':
          cond = eb('o.login_lower', '=', term.value.toLowerCase());
          break;
        case 'text':
          cond = eb('a.action', 'like', `%${term.value}%`);
          break;
        case 'created': {
          const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(term.value);
          const cmp = /^(>=|<=|>|<)?(\d{4}-\d{2}-\d{2})$/.exec(term.value);
          if (range?.[1] !== undefined && range[2] !== undefined) {
            cond = eb.and([eb('a.created_at', '>=', dayBounds(range[1])[0]), eb('a.created_at', '<', dayBounds(range[2])[1])]);
          } else if (cmp?.[2] !== undefined) {
            const [start, end] = dayBounds(cmp[2]);
            const op = cmp[1];
            cond = op === '>=' ? eb('a.created_at', '>=', start) : op === '>' ? eb('a.created_at', '>=', end) : op === '<=' ? eb('a.created_at', '<', end) : op === '<' ? eb('a.created_at', '<', start) : eb.and([eb('a.created_at', '>=', start), eb('a.created_at', '<', end)]);
          } else {
            throw new PhraseError(`invalid created qualifier "${term.value}"`);
          }
          break;
        }
      }
      return term.negated ? eb.not(cond) : cond;
    });
  }
  const forward = query.beforeId === undefined;
  const descending = (query.order === 'desc') === forward;
  if (query.afterId !== undefined) q = q.where('a.id', query.order === 'desc' ? '<' : '>', query.afterId);
  if (query.beforeId !== undefined) q = q.where('a.id', query.order === 'desc' ? '>' : '<', query.beforeId);
  const rows = await q.orderBy('a.id', descending ? 'desc' : 'asc').limit(query.limit + 1).offset(query.offset).execute();
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (!forward) page.reverse();
  return { events: page, more };
}
