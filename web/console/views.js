// Identities, Runners, Billing and the test controls (faults, snapshots, clock).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, dateTimeOf, ErrorNote, html, useApi } from './lib.js';

/** The enterprise picker shared by the per-enterprise views; the choice is kept in the URL's hash. */
export function EnterprisePicker({ enterprises, value, onChange }) {
  return html`<label class="picker">Enterprise
    <select aria-label="enterprise" value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${enterprises.map((e) => html`<option value=${e.slug}>${e.slug} (${e.kind === 'managed' ? 'managed users' : 'classic'})</option>`)}
    </select></label>`;
}

const STATES = ['active', 'invited', 'suspended', 'deprovisioned'];

function AuditTrail({ enterprise, scimId, label, onClose }) {
  const trail = useApi(`api/console/enterprises/${encodeURIComponent(enterprise)}/identities/${encodeURIComponent(scimId)}/audit`);
  return html`<aside class="detail" aria-label="audit trail">
    <header class="detail-head"><h2>Audit trail: ${label}</h2>
      <div class="actions"><button type="button" class="quiet" onClick=${onClose}>Close</button></div></header>
    <${ErrorNote} error=${trail.error} />
    ${trail.data?.events.length === 0 ? html`<p class="dim">No audit events name this resource.</p>` : ''}
    ${trail.data
      ? html`<table class="grid"><thead><tr><th>time</th><th>action</th><th>actor</th><th>data</th></tr></thead><tbody>
        ${trail.data.events.map((e) => html`<tr key=${e.id}><td class="mono dim">${dateTimeOf(e.created_at)}</td><td class="mono">${e.action}</td><td>${e.actor ?? ''}</td><td class="mono small">${JSON.stringify(e.data)}</td></tr>`)}
      </tbody></table>`
      : ''}
  </aside>`;
}

export function IdentitiesView({ enterprise, pickEnterprise, enterprises }) {
  const data = useApi(enterprise ? `api/console/enterprises/${encodeURIComponent(enterprise)}/identities` : null, [], 5000);
  const [state, setState] = useState('');
  const [text, setText] = useState('');
  const [org, setOrg] = useState('');
  const [open, setOpen] = useState();
  const orgs = enterprises.find((e) => e.slug === enterprise)?.organizations ?? [];
  const users = data.data?.users ?? [];
  const groups = data.data?.groups ?? [];
  const inScope = (u) => org === '' || (org === '(enterprise)' ? u.organization === null : u.organization === org);
  const scoped = users.filter(inScope);
  const counts = Object.fromEntries(STATES.map((s) => [s, scoped.filter((u) => u.state === s).length]));
  const needle = text.toLowerCase();
  const shown = scoped.filter((u) => (state === '' || u.state === state) && (needle === '' || `${u.user_name} ${u.display_name ?? ''} ${u.external_id ?? ''} ${u.login ?? ''}`.toLowerCase().includes(needle)));
  return html`<div class=${`page ${open ? 'with-detail' : ''}`}>
    <div class="toolbar">
      <${EnterprisePicker} enterprises=${enterprises} value=${enterprise} onChange=${pickEnterprise} />
      <div class="chips" role="group" aria-label="identity state">
        <button type="button" class=${state === '' ? 'chip on' : 'chip'} onClick=${() => setState('')}>all <b>${scoped.length}</b></button>
        ${STATES.map((s) => html`<button type="button" class=${`chip s-${s} ${state === s ? 'on' : ''}`} onClick=${() => setState(s)}>${s} <b>${counts[s]}</b></button>`)}
      </div>
      <select aria-label="organization" value=${org} onChange=${(e) => setOrg(e.currentTarget.value)}>
        <option value="">enterprise and organizations</option><option value="(enterprise)">enterprise SCIM only</option>
        ${orgs.map((o) => html`<option value=${o}>organization ${o}</option>`)}
      </select>
      <input aria-label="search identities" placeholder="search user name, external id, login" value=${text} onInput=${(e) => setText(e.currentTarget.value)} />
      <span class="spacer"></span><button type="button" class="quiet" onClick=${data.reload}>Refresh</button>
    </div>
    <${ErrorNote} error=${data.error} />
    <div class="split">
      <div class="table-wrap">
        <h2>SCIM users</h2>
        <table class="grid"><thead><tr><th>user name</th><th>display name</th><th>external id</th><th>state</th><th>account</th><th>organization</th><th>groups</th><th>updated</th></tr></thead>
          <tbody>${shown.map((u) => html`<tr key=${u.scim_id} class=${open?.id === u.scim_id ? 'selected' : ''} onClick=${() => setOpen({ id: u.scim_id, label: u.user_name })}>
            <td class="mono">${u.user_name}</td><td>${u.display_name ?? ''}</td><td class="mono dim">${u.external_id ?? ''}</td>
            <td><span class=${`state s-${u.state}`}>${u.state}</span></td><td>${u.login ?? html`<span class="dim">none yet</span>`}</td>
            <td>${u.organization ?? html`<span class="dim">enterprise</span>`}</td><td>${u.groups.join(', ')}</td><td class="mono dim">${dateTimeOf(u.updated_at)}</td></tr>`)}</tbody></table>
        ${users.length === 0 && !data.loading ? html`<p class="empty">No SCIM users in ${enterprise} yet. Provision some from your identity provider.</p>` : ''}
        <h2>Groups, external groups and linked teams</h2>
        <table class="grid"><thead><tr><th>group</th><th>id</th><th>external id</th><th class="num">members</th><th>linked teams</th><th>updated</th></tr></thead>
          <tbody>${groups.map((g) => html`<tr key=${g.scim_id} class=${open?.id === g.scim_id ? 'selected' : ''} onClick=${() => setOpen({ id: g.scim_id, label: g.display_name })}>
            <td>${g.display_name}</td><td class="mono dim">${g.id}</td><td class="mono dim">${g.external_id ?? ''}</td><td class="num">${g.members}</td>
            <td>${g.teams.length === 0 ? html`<span class="dim">none</span>` : g.teams.map((t) => html`<span class="tag">${t.organization}/${t.slug}</span>`)}</td><td class="mono dim">${dateTimeOf(g.updated_at)}</td></tr>`)}</tbody></table>
        ${groups.length === 0 && !data.loading ? html`<p class="empty">No groups.</p>` : ''}
      </div>
      ${open ? html`<${AuditTrail} key=${open.id} enterprise=${enterprise} scimId=${open.id} label=${open.label} onClose=${() => setOpen(undefined)} />` : ''}
    </div>
  </div>`;
}

export function RunnersView({ enterprise, pickEnterprise, enterprises }) {
  const data = useApi(enterprise ? `api/console/enterprises/${encodeURIComponent(enterprise)}/runners` : null, [], 5000);
  const groups = data.data?.groups ?? [];
  const all = groups.flatMap((g) => g.runners);
  const online = all.filter((r) => r.status === 'online').length;
  return html`<div class="page">
    <div class="toolbar">
      <${EnterprisePicker} enterprises=${enterprises} value=${enterprise} onChange=${pickEnterprise} />
      <span><b>${all.length}</b> runners, <b class="ok">${online}</b> online, <b class="off">${all.length - online}</b> offline</span>
      <span class="spacer"></span><button type="button" class="quiet" onClick=${data.reload}>Refresh</button>
    </div>
    <${ErrorNote} error=${data.error} />
    ${groups.map((g) => html`<section class="card" key=${g.id} aria-label=${`runner group ${g.name}`}>
      <h2>${g.name} ${g.default ? html`<span class="tag">default</span>` : ''} <span class="dim small">group ${g.id}</span></h2>
      <p class="dim">${g.visibility === 'all' ? 'All organizations' : g.organizations.length === 0 ? 'Selected organizations: none' : html`Organizations: ${g.organizations.map((o) => html`<span class="tag">${o}</span>`)}`}</p>
      ${g.runners.length === 0
        ? html`<p class="dim">No runners in this group.</p>`
        : html`<table class="grid"><thead><tr><th>runner</th><th>status</th><th>os</th><th>labels</th><th>last seen</th></tr></thead><tbody>
          ${g.runners.map((r) => html`<tr key=${r.id} data-runner=${r.name}><td class="mono">${r.name}${r.ephemeral ? html` <span class="tag">ephemeral</span>` : ''}</td>
            <td><span class=${`dot ${r.status}`}></span><span class=${`runner-status ${r.status}`}>${r.status}</span>${r.busy && r.status === 'online' ? html` <span class="tag busy">busy</span>` : ''}</td>
            <td>${r.os}</td><td>${r.labels.map((l) => html`<span class="tag">${l}</span>`)}</td><td class="mono dim">${dateTimeOf(r.last_seen_at)}</td></tr>`)}
        </tbody></table>`}
    </section>`)}
  </div>`;
}

const OS_COLOURS = { linux: '#e8a33d', windows: '#3d8be8', macos: '#9a6be0' };

/** uPlot (the largest script) is loaded the first time a chart is drawn, not with the page. */
let uPlotModule;
function loadUPlot() {
  uPlotModule ??= import('uplot').then((m) => m.default);
  return uPlotModule;
}

/** `options(uPlot)` builds the chart's options (bar paths come from uPlot itself). */
function Chart({ options, data }) {
  const host = useRef();
  useEffect(() => {
    let plot;
    let gone = false;
    void loadUPlot().then((uPlot) => {
      if (gone || !host.current) return;
      const width = Math.max(320, host.current.clientWidth - 8);
      plot = new uPlot({ ...options(uPlot), width }, data, host.current);
    });
    return () => {
      gone = true;
      plot?.destroy();
    };
  }, [JSON.stringify(data)]);
  return html`<div class="chart" ref=${host}></div>`;
}

/** `paid` is GitHub's own count (larger-runner minutes are paid from the first minute), not used minus included. */
function Meter({ label, used, included, paid, unit }) {
  const pct = included > 0 ? Math.min(100, (used / included) * 100) : used > 0 ? 100 : 0;
  return html`<div class="meter-card"><h3>${label}</h3>
    <div class="meter" role="meter" aria-valuenow=${used} aria-valuemax=${included}><div class=${`fill ${used > included ? 'over' : ''}`} style=${{ width: `${pct}%` }}></div></div>
    <p><b>${used.toLocaleString('en')}</b> ${unit} used of <b>${included.toLocaleString('en')}</b> included; <b class=${paid > 0 ? 'paid' : ''}>${paid.toLocaleString('en')}</b> paid</p></div>`;
}

export function BillingView({ enterprise, pickEnterprise, enterprises }) {
  const data = useApi(enterprise ? `api/console/enterprises/${encodeURIComponent(enterprise)}/billing` : null);
  const b = data.data;
  let charts = '';
  if (b) {
    const x = b.days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
    const raw = { linux: b.days.map((d) => d.linux), windows: b.days.map((d) => d.windows), macos: b.days.map((d) => d.macos) };
    // Stacked bars: each series is drawn as the running total, the legend shows its own minutes.
    const linux = raw.linux;
    const windows = linux.map((v, i) => v + raw.windows[i]);
    const macos = windows.map((v, i) => v + raw.macos[i]);
    const own = (name) => (_u, _v, _s, i) => (i === null || i === undefined ? '—' : `${Math.round(raw[name][i]).toLocaleString('en')} min`);
    const perDay = (uPlot) => {
      const bars = uPlot.paths.bars({ size: [0.7, 40] });
      return {
        title: 'Actions minutes per day (GitHub-hosted), by OS',
        height: 260,
        scales: { x: { time: true } },
        series: [
          { value: '{YYYY}-{MM}-{DD}' },
          { label: 'macOS', fill: OS_COLOURS.macos, stroke: OS_COLOURS.macos, paths: bars, points: { show: false }, value: own('macos') },
          { label: 'Windows', fill: OS_COLOURS.windows, stroke: OS_COLOURS.windows, paths: bars, points: { show: false }, value: own('windows') },
          { label: 'Linux', fill: OS_COLOURS.linux, stroke: OS_COLOURS.linux, paths: bars, points: { show: false }, value: own('linux') },
        ],
        axes: [{}, { label: 'minutes', size: 60 }],
      };
    };
    let running = 0;
    const cumulative = macos.map((v) => (running += v));
    const included = x.map(() => b.actions.included_minutes);
    const cycleChart = () => ({
      title: 'Minutes this cycle, cumulative, and the plan\u2019s included minutes (dashed)',
      height: 220,
      scales: { x: { time: true } },
      series: [
        { value: '{YYYY}-{MM}-{DD}' },
        { label: 'used (cumulative)', stroke: '#2f9e5b', width: 2, fill: 'rgba(47,158,91,0.12)' },
        { label: 'included', stroke: '#c0392b', width: 1, dash: [6, 4], points: { show: false } },
      ],
      axes: [{}, { label: 'minutes', size: 60 }],
    });
    charts = html`
      <section class="card"><${Chart} options=${perDay} data=${[x, macos, windows, linux]} /></section>
      <section class="card"><${Chart} options=${cycleChart} data=${[x, cumulative, included]} /></section>`;
  }
  return html`<div class="page">
    <div class="toolbar">
      <${EnterprisePicker} enterprises=${enterprises} value=${enterprise} onChange=${pickEnterprise} />
      ${b ? html`<span>Cycle <b>${b.cycle.start}</b> to <b>${b.cycle.end}</b> (exclusive), ${b.storage.days_left_in_billing_cycle} days left</span>` : ''}
      <span class="spacer"></span><button type="button" class="quiet" onClick=${data.reload}>Refresh</button>
    </div>
    <${ErrorNote} error=${data.error} />
    ${b
      ? html`<div class="meters">
          <${Meter} label="Actions minutes" used=${b.actions.total_minutes_used} included=${b.actions.included_minutes} paid=${b.actions.total_paid_minutes_used} unit="min" />
          <div class="meter-card"><h3>Minutes by SKU</h3><p>${Object.entries(b.actions.minutes_used_breakdown).map(([k, v]) => html`<span class="tag">${k} ${v.toLocaleString('en')}</span>`)}</p>
            <p class="dim small">Larger-runner minutes (lower-case SKUs) are paid from the first minute; the others once the included minutes are used up.</p></div>
          <${Meter} label="Packages data transfer" used=${b.packages.total_gigabytes_bandwidth_used} included=${b.packages.included_gigabytes_bandwidth} paid=${b.packages.total_paid_gigabytes_bandwidth_used} unit="GB" />
          <div class="meter-card"><h3>Storage (Actions and Packages)</h3><p><b>${b.storage.estimated_storage_for_month}</b> GB estimated for the month, <b class=${b.storage.estimated_paid_storage_for_month > 0 ? 'paid' : ''}>${b.storage.estimated_paid_storage_for_month}</b> GB paid</p></div>
        </div>${charts}`
      : ''}
  </div>`;
}

function FaultForm({ onAdded }) {
  const blank = { path: '', method: '', status: '429', delay_ms: '', times: '', probability: '', retry_after: '', tenant: '', drop: false };
  const [form, setForm] = useState(blank);
  const [error, setError] = useState();
  const set = (name) => ({ value: form[name], onInput: (e) => setForm({ ...form, [name]: e.currentTarget.value }) });
  const submit = async (event) => {
    event.preventDefault();
    const body = { path: form.path };
    if (form.method) body.method = form.method;
    if (form.tenant) body.tenant = form.tenant;
    if (form.drop) body.drop = true;
    else if (form.status) body.status = Number(form.status);
    for (const k of ['delay_ms', 'times', 'retry_after']) if (form[k] !== '') body[k] = Number(form[k]);
    if (form.probability !== '') body.probability = Number(form.probability);
    try {
      setError(undefined);
      await api('api/faults', { method: 'POST', body });
      onAdded();
    } catch (e) {
      setError(e);
    }
  };
  return html`<form class="form-grid" onSubmit=${submit} aria-label="add a fault rule">
    <div class="presets">Presets:
      <button type="button" class="quiet" onClick=${() => setForm({ ...blank, method: 'PATCH', path: '/scim/v2/**', status: '429', times: '3' })}>next 3 SCIM PATCHes → 429</button>
      <button type="button" class="quiet" onClick=${() => setForm({ ...blank, path: '/scim/v2/**', status: '', delay_ms: '2000', probability: '0.2' })}>20% of SCIM slow (2 s)</button>
      <button type="button" class="quiet" onClick=${() => setForm({ ...blank, path: '/enterprises/*/actions/runners', status: '503', times: '1' })}>runners list → 503 once</button>
    </div>
    <label>Path (glob) <input name="path" required placeholder="/scim/v2/**" ...${set('path')} /></label>
    <label>Method <select name="method" ...${set('method')} onChange=${(e) => setForm({ ...form, method: e.currentTarget.value })}><option value="">any</option>${['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => html`<option value=${m}>${m}</option>`)}</select></label>
    <label>Status <input name="status" inputmode="numeric" size="4" ...${set('status')} disabled=${form.drop} /></label>
    <label>Times <input name="times" inputmode="numeric" size="4" placeholder="every" ...${set('times')} /></label>
    <label>Delay ms <input name="delay_ms" inputmode="numeric" size="6" ...${set('delay_ms')} /></label>
    <label>Probability <input name="probability" inputmode="decimal" size="4" placeholder="1" ...${set('probability')} /></label>
    <label>Retry-After s <input name="retry_after" inputmode="numeric" size="4" placeholder="60" ...${set('retry_after')} /></label>
    <label>Tenant <input name="tenant" size="10" ...${set('tenant')} /></label>
    <label class="check"><input type="checkbox" checked=${form.drop} onChange=${(e) => setForm({ ...form, drop: e.currentTarget.checked })} /> drop the connection</label>
    <button type="submit" class="primary">Add fault rule</button>
    <${ErrorNote} error=${error} />
  </form>`;
}

function FaultsPanel() {
  const faults = useApi('api/faults', [], 2000);
  const remove = async (id) => {
    await api(`api/faults/${id}`, { method: 'DELETE' });
    faults.reload();
  };
  const list = faults.data?.faults ?? [];
  return html`<section class="card" aria-label="faults"><h2>Faults</h2>
    <${FaultForm} onAdded=${faults.reload} />
    <${ErrorNote} error=${faults.error} />
    ${list.length === 0
      ? html`<p class="dim">No fault rules: every request gets its normal answer.</p>`
      : html`<table class="grid faults-table"><thead><tr><th>id</th><th>method</th><th>path</th><th>answer</th><th class="num">fired</th><th class="num">remaining</th><th></th></tr></thead><tbody>
        ${list.map((f) => html`<tr key=${f.id} data-fault=${f.id}><td>${f.id}</td><td>${f.method ?? 'any'}</td><td class="mono">${f.path}${f.tenant ? html` <span class="tag">${f.tenant}</span>` : ''}</td>
          <td>${f.drop ? 'drop' : f.status ?? ''}${f.delay_ms ? ` after ${f.delay_ms} ms` : ''}${f.probability !== null && f.probability !== undefined && f.probability < 1 ? ` (p=${f.probability})` : ''}</td>
          <td class="num fired">${f.fired}</td><td class="num">${f.remaining ?? '∞'}</td><td><button type="button" class="quiet" onClick=${() => remove(f.id)}>Delete</button></td></tr>`)}
      </tbody></table>
      <button type="button" class="quiet" onClick=${async () => { await api('api/faults', { method: 'DELETE' }); faults.reload(); }}>Delete all</button>`}
  </section>`;
}

function SnapshotsPanel() {
  const snaps = useApi('api/snapshots');
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState();
  const act = async (fn) => {
    try {
      setError(undefined);
      setNote(await fn());
      snaps.reload();
    } catch (e) {
      setError(e);
    }
  };
  const list = snaps.data?.snapshots ?? [];
  return html`<section class="card" aria-label="snapshots"><h2>Snapshots</h2>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); void act(async () => { const s = await api('api/snapshots', { method: 'POST', body: { name } }); return `Saved ${s.name ?? name}.`; }); }}>
      <input aria-label="snapshot name" placeholder="name, e.g. baseline" value=${name} onInput=${(e) => setName(e.currentTarget.value)} required />
      <button type="submit" class="primary">Save snapshot</button>
    </form>
    <${ErrorNote} error=${error} /><p class="note" role="status">${note}</p>
    ${list.length === 0
      ? html`<p class="dim">No snapshots yet.</p>`
      : html`<table class="grid"><thead><tr><th>name</th><th>saved</th><th></th></tr></thead><tbody>
        ${list.map((s) => html`<tr key=${s.name} data-snapshot=${s.name}><td class="mono">${s.name}</td><td class="mono dim">${dateTimeOf(s.created_at)}</td>
          <td><button type="button" onClick=${() => act(async () => { const r = await api(`api/snapshots/${encodeURIComponent(s.name)}/restore`, { method: 'POST' }); return `Restored ${s.name} in ${r.duration_ms} ms.`; })}>Restore</button>
          <button type="button" class="quiet" onClick=${() => act(async () => { await api(`api/snapshots/${encodeURIComponent(s.name)}`, { method: 'DELETE' }); return `Deleted ${s.name}.`; })}>Delete</button></td></tr>`)}
      </tbody></table>`}
    <details><summary>Reset the store</summary>
      <p class="dim">Empties every table (site administrators and their tokens are kept); with the demo, creates it again and shows its new tokens.</p>
      <button type="button" class="danger" onClick=${() => act(async () => { const r = await api('api/reset', { method: 'POST', body: { demo: true } }); return `Reset with the demo. New tokens: ${r.tokens.map((t) => `${t.login} ${t.token}`).join(', ')}`; })}>Reset with the demo</button>
    </details>
  </section>`;
}

function ClockPanel() {
  const clock = useApi('api/clock', [], 1000);
  const [advance, setAdvance] = useState('1h');
  const [setTo, setSetTo] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState();
  const post = async (body) => {
    try {
      setError(undefined);
      const r = await api('api/clock', { method: 'POST', body });
      setNote(`Server time is now ${dateTimeOf(r.now)}${r.removed_runners > 0 ? `; ${r.removed_runners} stale runner${r.removed_runners > 1 ? 's' : ''} removed` : ''}.`);
      clock.reload();
    } catch (e) {
      setError(e);
    }
  };
  const c = clock.data;
  return html`<section class="card" aria-label="clock"><h2>Clock</h2>
    ${c ? html`<p class="clock-now"><span class="mono big" data-testid="server-now">${dateTimeOf(c.now)}</span> UTC
      ${c.offset_ms !== 0 ? html`<span class="tag warn">${c.offset_ms > 0 ? '+' : ''}${formatOffset(c.offset_ms)} from real time</span>` : html`<span class="tag">real time</span>`}
      ${c.frozen ? html`<span class="tag warn">frozen</span>` : ''}</p>` : ''}
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); void post({ advance }); }}>
      <input aria-label="advance by" size="8" value=${advance} onInput=${(e) => setAdvance(e.currentTarget.value)} />
      <button type="submit" class="primary">Advance</button>
      ${['2m', '1h', '1d', '15d'].map((d) => html`<button type="button" class="quiet" onClick=${() => post({ advance: d })}>+${d}</button>`)}
    </form>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); void post({ set: setTo, freeze: c?.frozen ?? false }); }}>
      <input aria-label="set the time" placeholder="2026-12-01T00:00:00Z" value=${setTo} onInput=${(e) => setSetTo(e.currentTarget.value)} />
      <button type="submit">Set</button>
      <button type="button" onClick=${() => post({ freeze: !(c?.frozen ?? false) })}>${c?.frozen ? 'Unfreeze' : 'Freeze'}</button>
      <button type="button" class="quiet" onClick=${() => post({ real: true })}>Back to real time</button>
    </form>
    <${ErrorNote} error=${error} /><p class="note" role="status">${note}</p>
  </section>`;
}

function formatOffset(ms) {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.round((abs % 60_000) / 1000);
  const text = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', s && !d ? `${s}s` : ''].join('') || '0s';
  return ms < 0 ? `-${text}` : text;
}

export function ControlsView() {
  return html`<div class="page controls">
    <${FaultsPanel} />
    <div class="two"><${SnapshotsPanel} /><${ClockPanel} /></div>
  </div>`;
}
