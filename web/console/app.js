// The Gatehouse console: sign-in, navigation (hash routes, keys 1–5) and the views.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ErrorNote, html, session, useApi, whenSignedOut } from './lib.js';
import { RequestsView } from './requests.js';
import { BillingView, ControlsView, IdentitiesView, RunnersView } from './views.js';

const TABS = [
  { id: 'requests', label: 'Requests', key: '1' },
  { id: 'identities', label: 'Identities', key: '2' },
  { id: 'runners', label: 'Runners', key: '3' },
  { id: 'billing', label: 'Billing', key: '4' },
  { id: 'controls', label: 'Faults, snapshots, clock', key: '5' },
];

/** `#/requests/12`, `#/identities?enterprise=acme` → { tab, id, enterprise } */
function parseHash(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [tab, id] = path.split('/');
  const params = new URLSearchParams(query);
  return { tab: TABS.some((t) => t.id === tab) ? tab : 'requests', id: id === undefined || id === '' ? undefined : Number(id), enterprise: params.get('enterprise') ?? undefined };
}

function SignIn({ onSignedIn }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState();
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const who = await api('api/console/session', { token: token.trim() });
      session.set(token.trim());
      onSignedIn(who);
    } catch (e) {
      setError(
        e.status === 404
          ? new Error('This token cannot use the console: it needs a site administrator\u2019s token with the site_admin scope, and the server\u2019s test controls on.')
          : e,
      );
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <form onSubmit=${submit} aria-label="sign in">
      <h1><span class="logo">▚</span> Gatehouse console</h1>
      <p>Sign in with a site administrator's token (scope <code>site_admin</code>). <code>gatehouse serve</code> prints one with the demo; or <code>gatehouse token create --login ADMIN --scopes site_admin</code>.</p>
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autocomplete="off" autofocus required value=${token} onInput=${(e) => setToken(e.currentTarget.value)} placeholder="ghp_…" />
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
      <${ErrorNote} error=${error} />
      <p class="dim small">The token stays in this tab (sessionStorage) and is sent only to this server.</p>
    </form>
  </main>`;
}

function Shell({ who, onSignOut }) {
  const [route, setRoute] = useState(parseHash(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const navigate = useCallback((hash) => {
    if (location.hash !== hash) location.hash = hash;
  }, []);
  const enterprises = useApi('api/console/enterprises', [route.tab]);
  const list = enterprises.data?.enterprises ?? [];
  const enterprise = route.enterprise ?? list[0]?.slug;
  const pickEnterprise = (slug) => navigate(`#/${route.tab}?enterprise=${encodeURIComponent(slug)}`);

  useEffect(() => {
    const onKey = (event) => {
      const t = event.target;
      if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const tab = TABS.find((x) => x.key === event.key);
      if (tab) {
        event.preventDefault();
        navigate(`#/${tab.id}${enterprise && tab.id !== 'requests' && tab.id !== 'controls' ? `?enterprise=${encodeURIComponent(enterprise)}` : ''}`);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enterprise, navigate]);

  const props = { enterprise, pickEnterprise, enterprises: list };
  let view;
  if (route.tab === 'requests') view = html`<${RequestsView} selected=${route.id} navigate=${navigate} />`;
  else if (list.length === 0 && route.tab !== 'controls') view = html`<div class="page"><${ErrorNote} error=${enterprises.error} /><p class="empty">${enterprises.loading ? 'Loading…' : 'No enterprises yet: run `gatehouse serve` with its demo, seed a file, or reset with the demo under Faults, snapshots, clock.'}</p></div>`;
  else if (route.tab === 'identities') view = html`<${IdentitiesView} key=${enterprise} ...${props} />`;
  else if (route.tab === 'runners') view = html`<${RunnersView} key=${enterprise} ...${props} />`;
  else if (route.tab === 'billing') view = html`<${BillingView} key=${enterprise} ...${props} />`;
  else view = html`<${ControlsView} />`;

  return html`<div class="shell">
    <header class="top">
      <span class="brand"><span class="logo">▚</span> Gatehouse</span>
      <nav aria-label="views">
        ${TABS.map((t) => html`<a href=${`#/${t.id}`} class=${route.tab === t.id ? 'active' : ''} aria-current=${route.tab === t.id ? 'page' : undefined} title=${`key ${t.key}`}>${t.label}<kbd>${t.key}</kbd></a>`)}
      </nav>
      <span class="spacer"></span>
      <span class="who">signed in as <b>${who.login}</b></span>
      <button type="button" class="quiet" onClick=${onSignOut}>Sign out</button>
    </header>
    <main>${view}</main>
  </div>`;
}

function App() {
  const [who, setWho] = useState(null);
  const [checking, setChecking] = useState(session.token !== null);
  useEffect(() => {
    whenSignedOut(() => {
      session.clear();
      setWho(null);
    });
    if (session.token === null) return;
    api('api/console/session').then(
      (w) => {
        setWho(w);
        setChecking(false);
      },
      () => {
        session.clear();
        setChecking(false);
      },
    );
  }, []);
  if (checking) return html`<p class="boot">Checking the token…</p>`;
  if (who === null) return html`<${SignIn} onSignedIn=${(w) => { setWho(w); setChecking(false); }} />`;
  return html`<${Shell} who=${who} onSignOut=${() => { session.clear(); setWho(null); }} />`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
