// Shared pieces of the console: the API client (token in sessionStorage, sent as a Bearer token), formatting helpers
// and small components. Served as is, no build step.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

const TOKEN_KEY = 'gatehouse.console.token';

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** The API answers a token that may not use it with 404 (as GitHub does); the console then asks to sign in again. */
export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

let onSignedOut = () => {};
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

/** Calls Gatehouse relative to the page (`/_gatehouse/`), so a proxy's path prefix works too. */
export async function api(path, { method = 'GET', body, token = session.token, signal } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  const text = await res.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    if (res.status === 404 && path.startsWith('api/') && token === session.token && !(await stillSignedIn())) onSignedOut();
    throw new ApiFailure(res.status, parsed);
  }
  return parsed;
}

async function stillSignedIn() {
  const res = await fetch('api/console/session', { headers: { authorization: `Bearer ${session.token}` } });
  return res.ok;
}

/** Loads `path` on mount and whenever `deps` change; `reload()` fetches again. */
export function useApi(path, deps = [], intervalMs = 0) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return undefined;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api(path, { signal: abort.signal }).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error) => {
        if (error.name !== 'AbortError') setState({ data: undefined, error, loading: false });
      },
    );
    let timer;
    if (intervalMs > 0) timer = setTimeout(() => setTick((t) => t + 1), intervalMs);
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, tick, ...deps]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function statusClass(status) {
  if (status === 0) return 'st-dropped';
  if (status === 429) return 'st-429';
  if (status >= 500) return 'st-5xx';
  if (status >= 400) return 'st-4xx';
  if (status >= 300) return 'st-3xx';
  return 'st-2xx';
}

export function StatusPill({ status }) {
  return html`<span class=${`pill ${statusClass(status)}`} title=${status === 0 ? 'connection dropped' : ''}>${status === 0 ? 'drop' : status}</span>`;
}

export function timeOf(iso) {
  const d = new Date(iso);
  return `${d.toISOString().slice(11, 23)}`;
}

export function dateTimeOf(iso) {
  if (!iso) return '—';
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 19);
}

export function pretty(body) {
  if (body === undefined || body === null || body === '') return '';
  if (typeof body === 'string') {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      return body;
    }
  }
  return JSON.stringify(body, null, 2);
}

export function ErrorNote({ error }) {
  if (!error) return null;
  const details = error.body?.errors?.map((e) => (typeof e === 'string' ? e : e.message ?? `${e.field} ${e.code}`)).join('; ');
  return html`<p class="error" role="alert">${error.message}${details ? `: ${details}` : ''}</p>`;
}

/** A single-quoted shell word. */
export function shellQuote(text) {
  return `'${String(text).replace(/'/g, `'\\''`)}'`;
}

const KEPT_HEADERS = new Set(['content-type', 'accept', 'user-agent', 'x-github-api-version', 'if-match']);

/** A journal entry as a curl command; the token is left for the reader to supply (`$TOKEN`). */
export function curlOf(entry, origin) {
  const url = `${origin}${entry.path}${entry.query ? `?${entry.query}` : ''}`;
  const parts = ['curl', '-X', entry.method, shellQuote(url)];
  const headers = entry.request.headers ?? {};
  if (headers.authorization) parts.push('-H', `"Authorization: ${String(headers.authorization).split(' ')[0]} $TOKEN"`);
  for (const [name, value] of Object.entries(headers)) {
    if (KEPT_HEADERS.has(name)) parts.push('-H', shellQuote(`${name}: ${value}`));
  }
  const body = entry.request.body;
  if (body !== undefined && body !== null && body !== '') parts.push('--data-raw', shellQuote(typeof body === 'string' ? body : JSON.stringify(body)));
  return parts.join(' ');
}

export function isScim(entry) {
  return /(^|\/)scim\/v2\//.test(entry.path);
}
