/**
 * The request journal: every request Gatehouse answers (REST, SCIM, runner side; not the control API itself), kept in
 * a ring buffer of `journalSize` entries in this process's memory.
 *
 * Recording is on every request's path, so it only keeps references (the request's header object, its parsed body,
 * the response object and payload) and a few numbers; redaction, truncation and JSON shaping happen when an entry is
 * read (the API, the live stream), at most once per entry. Bodies above 64 KiB are cut to their first 64 KiB when
 * recorded, so the buffer never holds large payloads.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { guessClient } from '../http/identity-provider.ts';

/** What is kept of a body: the first 64 KiB. */
export const BODY_LIMIT = 64 * 1024;

/** An audit event as the journal saw it written (src/domain/audit.ts observers). */
export interface ObservedAudit {
  seq: number;
  action: string;
  actor_id: number | null;
  actor: string | null;
  user: string | null;
  enterprise_id: number | null;
  org_id: number | null;
  created_at: number;
  data: string;
}

export interface JournalRecord {
  time: number;
  durationMs: number;
  method: string;
  url: string;
  status: number;
  requestHeaders: IncomingHttpHeaders;
  requestBody: unknown;
  /** The response headers (a copy: keeping the reply would keep its whole object graph alive). */
  response: Record<string, unknown> | undefined;
  payload: unknown;
  userId: number | null;
  user: string | null;
  params: unknown;
  faulted: FaultMark | null;
  audit: ObservedAudit[] | undefined;
}

export interface FaultMark {
  rule: number;
  action: 'status' | 'delay' | 'drop';
}

/** The wire shape of one journal entry (GET /_gatehouse/api/requests). */
export interface JournalEntryJson {
  id: number;
  time: string;
  method: string;
  path: string;
  query: string;
  status: number;
  duration_ms: number;
  tenant: string | null;
  user: string | null;
  idp: string | null;
  faulted: boolean;
  fault: FaultMark | null;
  request: { headers: Record<string, string | string[]>; body: unknown; body_truncated?: boolean };
  response: { headers: Record<string, string | number | string[]>; body: unknown; body_truncated?: boolean };
  changes: Array<{ action: string; actor: string | null; user: string | null; created_at: number; data: unknown }>;
}

const REDACTED = '[REDACTED]';
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
const CREDENTIAL_KEYS = /^(token|credential|password|secret|client_secret|encoded_jit_config|access_token|refresh_token)$/i;
/** GitHub token formats (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and Gatehouse's runner credentials. */
const TOKEN_LOOKING = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|ghrc_[A-Za-z0-9_-]{20,})\b/g;

function redactString(text: string): string {
  return text.replace(TOKEN_LOOKING, REDACTED);
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[key] = CREDENTIAL_KEYS.test(key) && typeof inner === 'string' ? REDACTED : redactValue(inner);
    }
    return out;
  }
  return value;
}

function redactHeaders(headers: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (CREDENTIAL_HEADERS.has(lower)) {
      // Keep the scheme (Bearer, token, RemoteAuth, Basic): it says how the client authenticated.
      const text = Array.isArray(value) ? value.join(', ') : String(value as string);
      const scheme = lower.endsWith('authorization') ? /^\s*(\S+)\s+\S/.exec(text)?.[1] : undefined;
      out[lower] = scheme === undefined ? REDACTED : `${scheme} ${REDACTED}`;
    } else out[lower] = Array.isArray(value) ? value.map((v) => redactString(String(v))) : redactString(String(value as string));
  }
  return out;
}

/** A flat copy of the first BODY_LIMIT characters (a slice would keep the whole string alive). */
function cut(text: string): string {
  return Buffer.from(text.slice(0, BODY_LIMIT)).toString();
}

/** Large bodies are cut when recorded; small ones are kept by reference. */
export function boundBody(body: unknown, declaredLength: string | undefined): unknown {
  if (body === undefined || body === null) return body;
  if (typeof body === 'string') return body.length > BODY_LIMIT ? new Truncated(cut(body)) : body;
  if (Buffer.isBuffer(body)) return body.length > BODY_LIMIT ? new Truncated(body.subarray(0, BODY_LIMIT).toString()) : body;
  if (typeof body === 'object' && 'pipe' in body) return new Truncated('[stream]');
  if (declaredLength !== undefined && Number(declaredLength) > BODY_LIMIT) return new Truncated(cut(JSON.stringify(body)));
  return body;
}

class Truncated {
  constructor(readonly text: string) {}
}

function showBody(body: unknown): { body: unknown; truncated: boolean } {
  if (body instanceof Truncated) return { body: redactString(body.text), truncated: true };
  if (body === undefined || body === null || body === '') return { body: null, truncated: false };
  let value: unknown = body;
  if (Buffer.isBuffer(value)) value = value.toString();
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { body: redactString(value as string), truncated: false };
    }
  }
  return { body: redactValue(value), truncated: false };
}

const TENANT_IN_PATH = /\/(?:enterprises|organizations|orgs)\/([^/?#]+)/;

export class JournalEntry {
  #json: JournalEntryJson | undefined;
  #tenant: string | null | undefined;

  constructor(
    readonly id: number,
    readonly record: JournalRecord,
  ) {}

  get path(): string {
    const q = this.record.url.indexOf('?');
    return q < 0 ? this.record.url : this.record.url.slice(0, q);
  }

  /** The enterprise or organization the request addressed (its path, or a runner registration's `url`). */
  get tenant(): string | null {
    if (this.#tenant !== undefined) return this.#tenant;
    const params = this.record.params as Record<string, unknown> | null | undefined;
    let tenant: string | null = null;
    if (params !== null && typeof params === 'object') {
      const named = params.enterprise ?? params.org;
      if (typeof named === 'string') tenant = named;
    }
    if (tenant === null) tenant = TENANT_IN_PATH.exec(this.path)?.[1] ?? null;
    if (tenant === null && this.path.endsWith('/actions/runner-registration')) {
      const body = this.record.requestBody as { url?: unknown } | undefined;
      if (typeof body?.url === 'string') {
        try {
          const segments = new URL(body.url).pathname.split('/').filter((s) => s !== '');
          tenant = (segments[0] === 'enterprises' ? segments[1] : segments[0]) ?? null;
        } catch {
          tenant = null;
        }
      }
    }
    this.#tenant = tenant === null ? null : decodeURIComponent(tenant);
    return this.#tenant;
  }

  toJSON(): JournalEntryJson {
    if (this.#json !== undefined) return this.#json;
    const r = this.record;
    const q = r.url.indexOf('?');
    const request = showBody(r.requestBody);
    const response = showBody(r.payload);
    const rawHeaders = r.response ?? {};
    this.#json = {
      id: this.id,
      time: new Date(r.time).toISOString(),
      method: r.method,
      path: this.path,
      query: q < 0 ? '' : r.url.slice(q + 1),
      status: r.status,
      duration_ms: Math.round(r.durationMs * 1000) / 1000,
      tenant: this.tenant,
      user: r.user,
      idp: guessClient(r.requestHeaders['user-agent']),
      faulted: r.faulted !== null,
      fault: r.faulted,
      request: { headers: redactHeaders(r.requestHeaders), body: request.body, ...(request.truncated ? { body_truncated: true } : {}) },
      response: { headers: redactHeaders(rawHeaders), body: response.body, ...(response.truncated ? { body_truncated: true } : {}) },
      changes: (r.audit ?? []).map((a) => ({ action: a.action, actor: a.actor, user: a.user, created_at: a.created_at, data: safeJson(a.data) })),
    };
    return this.#json;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface JournalFilter {
  tenant?: string | undefined;
  pathPrefix?: string | undefined;
  /** An exact status (429) or a class (`5xx`). */
  status?: { exact?: number; klass?: number } | undefined;
  method?: string | undefined;
  /** Epoch ms: entries at or after. */
  since?: number | undefined;
  /** Only entries with a smaller id (paging). */
  before?: number | undefined;
  /** Only entries with a larger id. */
  after?: number | undefined;
  faulted?: boolean | undefined;
}

export function matches(entry: JournalEntry, filter: JournalFilter): boolean {
  const r = entry.record;
  if (filter.before !== undefined && entry.id >= filter.before) return false;
  if (filter.after !== undefined && entry.id <= filter.after) return false;
  if (filter.method !== undefined && r.method !== filter.method) return false;
  if (filter.status?.exact !== undefined && r.status !== filter.status.exact) return false;
  if (filter.status?.klass !== undefined && Math.floor(r.status / 100) !== filter.status.klass) return false;
  if (filter.since !== undefined && r.time < filter.since) return false;
  if (filter.faulted !== undefined && (r.faulted !== null) !== filter.faulted) return false;
  if (filter.pathPrefix !== undefined) {
    const path = entry.path;
    const bare = path.startsWith('/api/v3/') ? path.slice('/api/v3'.length) : path;
    if (!path.startsWith(filter.pathPrefix) && !bare.startsWith(filter.pathPrefix)) return false;
  }
  if (filter.tenant !== undefined && entry.tenant?.toLowerCase() !== filter.tenant.toLowerCase()) return false;
  return true;
}

/** Audit events kept for attribution to the requests that caused them. */
const AUDIT_WINDOW = 10_000;

export class Journal {
  readonly #slots: Array<JournalEntry | undefined>;
  #lastId = 0;
  readonly #subscribers = new Set<(entry: JournalEntry) => void>();
  /** Audit events seen being written, the newest last; `auditSeq` counts them all. */
  readonly #audits: ObservedAudit[] = [];
  auditSeq = 0;

  constructor(readonly size: number) {
    this.#slots = new Array<JournalEntry | undefined>(Math.max(1, size));
  }

  get lastId(): number {
    return this.#lastId;
  }

  add(record: JournalRecord): JournalEntry {
    this.#lastId += 1;
    const entry = new JournalEntry(this.#lastId, record);
    this.#slots[this.#lastId % this.#slots.length] = entry;
    if (this.#subscribers.size > 0) {
      // Shaped and written after this response, off its path.
      setImmediate(() => {
        for (const subscriber of this.#subscribers) subscriber(entry);
      });
    }
    return entry;
  }

  get(id: number): JournalEntry | undefined {
    const entry = this.#slots[id % this.#slots.length];
    return entry?.id === id ? entry : undefined;
  }

  /** Newest first, at most `limit`, and whether more match beyond them. */
  list(filter: JournalFilter, limit: number): { entries: JournalEntry[]; more: boolean } {
    const entries: JournalEntry[] = [];
    const oldest = Math.max(1, this.#lastId - this.#slots.length + 1);
    for (let id = this.#lastId; id >= oldest; id -= 1) {
      const entry = this.get(id);
      if (entry === undefined || !matches(entry, filter)) continue;
      if (entries.length === limit) return { entries, more: true };
      entries.push(entry);
    }
    return { entries, more: false };
  }

  clear(): void {
    this.#slots.fill(undefined);
  }

  subscribe(subscriber: (entry: JournalEntry) => void): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Called as audit events are written (before their transaction commits). */
  observeAudits(rows: ReadonlyArray<Omit<ObservedAudit, 'seq'>>): void {
    for (const row of rows) {
      this.auditSeq += 1;
      this.#audits.push({ ...row, seq: this.auditSeq });
    }
    if (this.#audits.length > AUDIT_WINDOW * 2) this.#audits.splice(0, this.#audits.length - AUDIT_WINDOW);
  }

  /**
   * The audit events written since `sinceSeq` that belong to a request by `userId` (null: a request without a user
   * token, such as the runner side, whose events have no actor or the runner-side actor).
   */
  auditsSince(sinceSeq: number, userId: number | null): ObservedAudit[] {
    const out: ObservedAudit[] = [];
    for (let i = this.#audits.length - 1; i >= 0; i -= 1) {
      const event = this.#audits[i];
      if (event === undefined || event.seq <= sinceSeq) break;
      if (event.actor_id === userId || userId === null) out.push(event);
    }
    return out.reverse();
  }
}
