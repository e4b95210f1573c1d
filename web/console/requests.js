// Requests: the journal, live. The stream (server-sent events read with fetch, so the token travels in the
// Authorization header) fills a buffer; the table is re-rendered from it at most four times a second and keeps the
// newest KEEP rows, so a burst of thousands of requests a second costs a few renders, not thousands.
import { Component } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, curlOf, dateTimeOf, ErrorNote, html, isScim, pretty, session, StatusPill, timeOf } from './lib.js';

export const KEEP = 500;
const FLUSH_MS = 250;
const EMPTY_FILTERS = { method: '', status: '', path_prefix: '', tenant: '', faulted: '' };

function queryOf(filters) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== '') q.set(k, v);
  return q.toString();
}

/** Reads `text/event-stream` from a fetch body, calling `onEvent(type, data)` per event. */
async function readEvents(res, onEvent) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += value;
    let end;
    while ((end = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + 2);
      let type = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trimStart();
      }
      if (data !== '') onEvent(type, data);
    }
  }
}

/** The live journal: initial page, then the stream; reconnects after a second when the stream ends. */
function useJournal(filters) {
  const [rows, setRows] = useState([]);
  const [received, setReceived] = useState(0);
  const [pending, setPending] = useState(0);
  const [paused, setPausedState] = useState(false);
  const [connection, setConnection] = useState('connecting');
  const [error, setError] = useState();
  const buffer = useRef([]);
  const count = useRef(0);
  const pausedRef = useRef(false);
  const shown = useRef(new Set());

  const flush = useCallback(() => {
    setReceived(count.current);
    if (buffer.current.length === 0) {
      setPending(0);
      return;
    }
    if (pausedRef.current) {
      setPending(buffer.current.length);
      return;
    }
    const incoming = buffer.current;
    buffer.current = [];
    setPending(0);
    setRows((old) => {
      const fresh = [];
      for (let i = incoming.length - 1; i >= 0 && fresh.length < KEEP; i -= 1) {
        const entry = incoming[i];
        if (!shown.current.has(entry.id)) fresh.push(entry);
      }
      const next = fresh.concat(old).slice(0, KEEP);
      shown.current = new Set(next.map((e) => e.id));
      return next;
    });
  }, []);

  useEffect(() => {
    const timer = setInterval(flush, FLUSH_MS);
    return () => clearInterval(timer);
  }, [flush]);

  const key = queryOf(filters);
  useEffect(() => {
    const abort = new AbortController();
    buffer.current = [];
    shown.current = new Set();
    setRows([]);
    setError(undefined);
    const push = (entry) => {
      count.current += 1;
      buffer.current.push(entry);
      // While paused, only the newest KEEP are worth keeping.
      if (buffer.current.length > KEEP * 2) buffer.current = buffer.current.slice(-KEEP);
    };
    async function stream() {
      while (!abort.signal.aborted) {
        try {
          setConnection('connecting');
          const res = await fetch(`api/requests/stream${key ? `?${key}` : ''}`, { headers: { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' }, signal: abort.signal });
          if (!res.ok) throw new ApiFailure(res.status, await res.json().catch(() => undefined));
          setConnection('live');
          await readEvents(res, (type, data) => {
            if (type === 'request') push(JSON.parse(data));
          });
        } catch (e) {
          if (abort.signal.aborted) return;
          if (e instanceof ApiFailure) setError(e);
        }
        setConnection('reconnecting');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    void stream();
    // The page before the stream: the newest 200, oldest first into the buffer so the newest end up on top.
    api(`api/requests?limit=200${key ? `&${key}` : ''}`, { signal: abort.signal }).then(
      (page) => {
        const older = page.requests.slice().reverse();
        buffer.current = older.concat(buffer.current);
        flush();
      },
      (e) => {
        if (e.name !== 'AbortError') setError(e);
      },
    );
    return () => abort.abort();
  }, [key]);

  const setPaused = (value) => {
    pausedRef.current = value;
    setPausedState(value);
    if (!value) flush();
  };
  const clear = () => {
    buffer.current = [];
    shown.current = new Set();
    setRows([]);
  };
  return { rows, received, pending, paused, setPaused, connection, error, clear };
}

class Row extends Component {
  shouldComponentUpdate(next) {
    return next.entry !== this.props.entry || next.selected !== this.props.selected;
  }
  render({ entry, selected, onOpen }) {
    return html`<tr class=${selected ? 'selected' : ''} data-id=${entry.id} onClick=${() => onOpen(entry.id)}>
      <td class="mono dim">${timeOf(entry.time)}</td>
      <td class="mono"><span class=${`method m-${entry.method}`}>${entry.method}</span></td>
      <td class="mono path" title=${entry.path}>${entry.path}${entry.query ? html`<span class="dim">?${entry.query}</span>` : ''}</td>
      <td><${StatusPill} status=${entry.status} />${entry.faulted ? html`<span class="tag fault" title=${`fault rule ${entry.fault?.rule} (${entry.fault?.action})`}>fault</span>` : ''}</td>
      <td class="num mono">${entry.duration_ms.toFixed(1)}</td>
      <td class="opt">${entry.tenant ?? ''}</td>
      <td class="opt">${entry.idp ?? ''}</td>
      <td class="opt">${entry.user ?? ''}</td>
      <td class="dim opt">${entry.changes.length > 0 ? `${entry.changes.length} change${entry.changes.length > 1 ? 's' : ''}` : ''}</td>
    </tr>`;
  }
}

function Headers({ headers }) {
  const names = Object.keys(headers ?? {}).sort();
  if (names.length === 0) return html`<p class="dim">no headers</p>`;
  return html`<table class="kv"><tbody>${names.map((n) => html`<tr key=${n}><th>${n}</th><td class="mono">${Array.isArray(headers[n]) ? headers[n].join(', ') : String(headers[n])}</td></tr>`)}</tbody></table>`;
}

function Body({ body, truncated }) {
  const text = pretty(body);
  if (text === '') return html`<p class="dim">no body</p>`;
  return html`<pre class="body">${text}</pre>${truncated ? html`<p class="dim">cut at 64 KiB</p>` : ''}`;
}

function Replay({ entry }) {
  const [token, setToken] = useState('');
  const [result, setResult] = useState();
  const [busy, setBusy] = useState(false);
  const run = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const headers = { accept: entry.request.headers.accept ?? 'application/scim+json' };
      const type = entry.request.headers['content-type'];
      if (type) headers['content-type'] = type;
      if (token) headers.authorization = `Bearer ${token}`;
      const body = entry.request.body;
      const res = await fetch(`..${entry.path}${entry.query ? `?${entry.query}` : ''}`, {
        method: entry.method,
        headers,
        body: body === undefined || body === null || body === '' || entry.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      setResult({ status: res.status, text: await res.text() });
    } catch (e) {
      setResult({ status: 0, text: String(e) });
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="replay" onSubmit=${run}>
    <label>Token for the replay <input type="password" autocomplete="off" value=${token} onInput=${(e) => setToken(e.currentTarget.value)} placeholder="the connector's token (the journal keeps none)" /></label>
    <button type="submit" disabled=${busy}>Replay ${entry.method}</button>
    ${result ? html`<div class="replay-result"><${StatusPill} status=${result.status} /> <span class="dim">the replay is in the journal too</span><pre class="body">${pretty(result.text)}</pre></div>` : ''}
  </form>`;
}

function Detail({ id, rows, onClose }) {
  const cached = rows.find((r) => r.id === id);
  const [entry, setEntry] = useState(cached);
  const [error, setError] = useState();
  const [copied, setCopied] = useState('');
  useEffect(() => {
    setCopied('');
    if (cached) {
      setEntry(cached);
      return;
    }
    setEntry(undefined);
    api(`api/requests/${id}`).then(setEntry, setError);
  }, [id]);
  if (error) return html`<aside class="detail"><${ErrorNote} error=${error} /></aside>`;
  if (!entry) return html`<aside class="detail"><p class="dim">Loading request ${id}…</p></aside>`;
  const curl = curlOf(entry, location.origin);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(curl);
      setCopied('Copied.');
    } catch {
      setCopied('Select the command below and copy it.');
    }
  };
  return html`<aside class="detail" aria-label=${`request ${entry.id}`}>
    <header class="detail-head">
      <h2><span class=${`method m-${entry.method}`}>${entry.method}</span> <span class="mono">${entry.path}${entry.query ? `?${entry.query}` : ''}</span></h2>
      <div class="detail-meta">
        <${StatusPill} status=${entry.status} />
        ${entry.faulted ? html`<span class="tag fault">fault rule ${entry.fault?.rule}: ${entry.fault?.action}</span>` : ''}
        <span>#${entry.id}</span><span>${dateTimeOf(entry.time)}</span><span>${entry.duration_ms.toFixed(1)} ms</span>
        ${entry.tenant ? html`<span>tenant <b>${entry.tenant}</b></span>` : ''}${entry.user ? html`<span>user <b>${entry.user}</b></span>` : ''}${entry.idp ? html`<span>client <b>${entry.idp}</b></span>` : ''}
      </div>
      <div class="actions">
        <button type="button" onClick=${copy}>Copy as curl</button>
        <button type="button" class="quiet" onClick=${onClose} title="Esc">Close</button>
        <span class="dim">${copied}</span>
      </div>
    </header>
    <div class="sides">
      <section><h3>Request</h3><${Headers} headers=${entry.request.headers} /><${Body} body=${entry.request.body} truncated=${entry.request.body_truncated} /></section>
      <section><h3>Response <${StatusPill} status=${entry.status} /></h3><${Headers} headers=${entry.response.headers} /><${Body} body=${entry.response.body} truncated=${entry.response.body_truncated} /></section>
    </div>
    <section class="changes"><h3>What changed</h3>
      ${entry.changes.length === 0
        ? html`<p class="dim">Nothing: the request wrote no audit event.</p>`
        : html`<table class="grid"><thead><tr><th>action</th><th>actor</th><th>user</th><th>data</th></tr></thead><tbody>
            ${entry.changes.map((c, i) => html`<tr key=${i}><td class="mono">${c.action}</td><td>${c.actor ?? ''}</td><td>${c.user ?? ''}</td><td class="mono small">${JSON.stringify(c.data)}</td></tr>`)}
          </tbody></table>`}
    </section>
    <section><h3>curl</h3><pre class="body curl">${curl}</pre></section>
    ${isScim(entry) ? html`<section><h3>Replay</h3><${Replay} entry=${entry} /></section>` : ''}
  </aside>`;
}

export function RequestsView({ selected, navigate }) {
  const [filters, setFilters] = useState(EMPTY_FILTERS);
  const [draft, setDraft] = useState(EMPTY_FILTERS);
  const journal = useJournal(filters);
  const table = useRef();
  const pathInput = useRef();

  const open = useCallback((id) => navigate(`#/requests/${id}`), [navigate]);
  const close = useCallback(() => navigate('#/requests'), [navigate]);

  useEffect(() => {
    const onKey = (event) => {
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) {
        if (event.key === 'Escape') target.blur();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const rows = journal.rows;
      const at = rows.findIndex((r) => r.id === selected);
      if (event.key === 'j' || event.key === 'ArrowDown') {
        const next = rows[Math.min(rows.length - 1, at + 1)];
        if (next) open(next.id);
      } else if (event.key === 'k' || event.key === 'ArrowUp') {
        const next = rows[Math.max(0, at - 1)];
        if (next) open(next.id);
      } else if (event.key === 'Escape') close();
      else if (event.key === ' ' || event.key === 'p') journal.setPaused(!journal.paused);
      else if (event.key === '/') pathInput.current?.focus();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [journal.rows, journal.paused, selected, open, close]);

  useEffect(() => {
    table.current?.querySelector('tr.selected')?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const apply = (event) => {
    event.preventDefault();
    setFilters({ ...draft });
  };
  const field = (name) => ({ value: draft[name], onInput: (e) => setDraft({ ...draft, [name]: e.currentTarget.value }) });
  const clearJournal = async () => {
    await api('api/requests', { method: 'DELETE' });
    journal.clear();
  };
  const rows = journal.rows;
  const body = useMemo(() => rows.map((entry) => html`<${Row} key=${entry.id} entry=${entry} selected=${entry.id === selected} onOpen=${open} />`), [rows, selected, open]);

  return html`<div class=${`requests ${selected !== undefined ? 'with-detail' : ''}`}>
    <form class="toolbar" onSubmit=${apply} aria-label="filters">
      <select aria-label="method" ...${field('method')} onChange=${(e) => setDraft({ ...draft, method: e.currentTarget.value })}>
        <option value="">any method</option>${['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => html`<option value=${m}>${m}</option>`)}
      </select>
      <input aria-label="path prefix" placeholder="path prefix, e.g. /scim/v2  ( / )" ref=${pathInput} ...${field('path_prefix')} />
      <input aria-label="status" placeholder="status: 429, 4xx" size="9" ...${field('status')} />
      <input aria-label="tenant" placeholder="tenant" size="12" ...${field('tenant')} />
      <select aria-label="faulted" ...${field('faulted')} onChange=${(e) => setDraft({ ...draft, faulted: e.currentTarget.value })}>
        <option value="">faulted or not</option><option value="true">faulted only</option><option value="false">not faulted</option>
      </select>
      <button type="submit">Filter</button>
      <button type="button" class="quiet" onClick=${() => { setDraft(EMPTY_FILTERS); setFilters(EMPTY_FILTERS); }}>Reset</button>
      <span class="spacer"></span>
      <span class=${`conn conn-${journal.connection}`} title="live stream">${journal.connection}</span>
      <span class="counter" aria-label="requests received"><b data-testid="received">${journal.received}</b> received live, <b>${rows.length}</b> shown</span>
      <button type="button" class=${journal.paused ? 'primary' : ''} onClick=${() => journal.setPaused(!journal.paused)} title="Space or p" data-testid="pause">
        ${journal.paused ? `Resume${journal.pending > 0 ? ` (${journal.pending} new)` : ''}` : 'Pause'}
      </button>
      <button type="button" class="quiet" onClick=${clearJournal}>Clear journal</button>
    </form>
    <${ErrorNote} error=${journal.error} />
    <div class="split">
      <div class="table-wrap" ref=${table}>
        <table class="grid requests-table">
          <thead><tr><th>time</th><th>method</th><th>path</th><th>status</th><th class="num">ms</th><th class="opt">tenant</th><th class="opt">client</th><th class="opt">user</th><th class="opt"></th></tr></thead>
          <tbody>${body}</tbody>
        </table>
        ${rows.length === 0 ? html`<p class="empty">No requests yet. Point a client at this server and they appear here as they are answered.</p>` : ''}
        ${rows.length === KEEP ? html`<p class="dim small">Showing the newest ${KEEP}; filter to narrow.</p>` : ''}
      </div>
      ${selected !== undefined ? html`<${Detail} id=${selected} rows=${rows} onClose=${close} />` : ''}
    </div>
  </div>`;
}
