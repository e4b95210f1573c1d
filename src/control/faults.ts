/**
 * Fault rules: answer matching requests with an error GitHub gives (429 secondary rate limit, 500, 502, 503, …), add
 * latency, or drop the connection — always, for the next N matching requests, or with a probability. Rules live in
 * this process's memory.
 */
import crypto from 'node:crypto';
import http from 'node:http';

export interface FaultRuleInput {
  method?: string;
  path: string;
  tenant?: string;
  /** The token a request must carry (compared by SHA-256; never shown again). */
  token?: string;
  status?: number;
  delay_ms?: number;
  drop?: boolean;
  times?: number;
  probability?: number;
  /** Seconds for `Retry-After` on a 429 or 503 (default 60). */
  retry_after?: number;
}

export interface FaultRule {
  id: number;
  method: string | null;
  path: string;
  tenant: string | null;
  /** Last eight characters of the matched token, as GitHub shows tokens. */
  token: string | null;
  status: number | null;
  delay_ms: number | null;
  drop: boolean;
  times: number | null;
  /** How many of `times` are left (null: unlimited). */
  remaining: number | null;
  probability: number | null;
  retry_after: number | null;
  fired: number;
  created_at: string;
}

interface CompiledRule {
  rule: FaultRule;
  pattern: RegExp;
  tokenHash: string | null;
}

/** `*` matches within one path segment, `**` across segments; everything else literally. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i += 1;
      } else out += '[^/]*';
    } else out += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

/** What a rule needs to know of a request. */
export interface FaultRequest {
  method: string;
  /** Path without the query. */
  path: string;
  tenant: string | null;
  token: string | undefined;
}

export class FaultRules {
  readonly #rules: CompiledRule[] = [];
  #nextId = 1;

  get size(): number {
    return this.#rules.length;
  }

  add(input: FaultRuleInput, now: Date): FaultRule {
    const rule: FaultRule = {
      id: this.#nextId,
      method: input.method?.toUpperCase() ?? null,
      path: input.path,
      tenant: input.tenant ?? null,
      token: input.token === undefined ? null : input.token.slice(-8),
      status: input.status ?? null,
      delay_ms: input.delay_ms ?? null,
      drop: input.drop === true,
      times: input.times ?? null,
      remaining: input.times ?? null,
      probability: input.probability ?? null,
      retry_after: input.retry_after ?? (input.status === 429 || input.status === 503 ? 60 : null),
      fired: 0,
      created_at: now.toISOString(),
    };
    this.#nextId += 1;
    this.#rules.push({ rule, pattern: globToRegExp(input.path), tokenHash: input.token === undefined ? null : sha256(input.token) });
    return rule;
  }

  list(): FaultRule[] {
    return this.#rules.map((c) => c.rule);
  }

  get(id: number): FaultRule | undefined {
    return this.#rules.find((c) => c.rule.id === id)?.rule;
  }

  delete(id: number): boolean {
    const index = this.#rules.findIndex((c) => c.rule.id === id);
    if (index < 0) return false;
    this.#rules.splice(index, 1);
    return true;
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** The first rule that matches and fires (counting it), or undefined. */
  fire(request: FaultRequest): FaultRule | undefined {
    const bare = request.path.startsWith('/api/v3/') ? request.path.slice('/api/v3'.length) : request.path;
    let tokenHash: string | undefined;
    for (const { rule, pattern, tokenHash: wanted } of this.#rules) {
      if (rule.remaining === 0) continue;
      if (rule.method !== null && rule.method !== request.method) continue;
      if (!pattern.test(bare) && !pattern.test(request.path)) continue;
      if (rule.tenant !== null && rule.tenant.toLowerCase() !== request.tenant?.toLowerCase()) continue;
      if (wanted !== null) {
        if (request.token === undefined) continue;
        tokenHash ??= sha256(request.token);
        if (tokenHash !== wanted) continue;
      }
      if (rule.probability !== null && Math.random() >= rule.probability) continue;
      rule.fired += 1;
      if (rule.remaining !== null) rule.remaining -= 1;
      return rule;
    }
    return undefined;
  }
}

const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';

/**
 * GitHub's body for a faulted status. A 429 is GitHub's secondary rate limit
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit);
 * 5xx are GitHub's server-error bodies.
 */
export function faultBody(status: number, requestId: string): Record<string, unknown> {
  if (status === 429 || status === 403) {
    return {
      message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
      documentation_url: RATE_LIMIT_DOCS,
      status: String(status),
    };
  }
  const messages: Record<number, string> = { 500: 'Server Error', 502: 'Server Error', 503: 'Service Unavailable', 504: 'We couldn\u2019t respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.' };
  return {
    message: messages[status] ?? http.STATUS_CODES[status] ?? 'Error',
    documentation_url: 'https://docs.github.com/rest',
    status: String(status),
  };
}
