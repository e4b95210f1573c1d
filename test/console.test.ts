/**
 * The console's server side over HTTP: the page and its assets (no authentication, a Content-Security-Policy without
 * inline scripts), and the read-only console data routes (site administrators with `site_admin` only, absent with
 * the test controls off), checked against the state the GitHub-shaped and SCIM routes create.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { createTeam } from '../src/domain/teams/service.ts';
import { seedEnterprise, startTestApp, storageKind, userWithToken, type SeededEnterprise, type TestApp } from './helpers/app.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const DATA = '/_gatehouse/api/console';

describe(`console (${storageKind})`, () => {
  let t: TestApp;
  let admin: string;
  let classic: SeededEnterprise;
  let managed: SeededEnterprise;

  const scim = (token: string, method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body, headers: { accept: 'application/scim+json', ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) } });
  const user = (name: string) => ({ schemas: [USER_SCHEMA], userName: `${name}@example.com`, externalId: `ext-${name}`, active: true, displayName: name, name: { givenName: name, familyName: 'T' }, emails: [{ value: `${name}@example.com`, primary: true, type: 'work' }] });

  before(async () => {
    t = await startTestApp();
    admin = (await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true })).token;
    classic = await seedEnterprise(t.ctx, { slug: 'classic-co', kind: 'classic' });
    managed = await seedEnterprise(t.ctx, { slug: 'managed-co', kind: 'managed' });
  });
  after(async () => t.close());

  describe('the page', () => {
    it('is served without a token, with a CSP that allows no inline script but the import map, by its hash', async () => {
      const res = await fetch(`${t.url}/_gatehouse/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      const html = await res.text();
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)];
      assert.equal(inline.length, 1, 'one inline script: the import map');
      assert.match(inline[0]![0], /type="importmap"/);
      const hash = crypto.createHash('sha256').update(inline[0]![1]!).digest('base64');
      assert.ok(csp.includes(`'sha256-${hash}'`), 'the import map is allowed by its hash');
      assert.doesNotMatch(html, /ghp_|token=/i, 'nothing sensitive in the page');
      const map = JSON.parse(inline[0]![1]!) as { imports: Record<string, string> };
      for (const target of Object.values(map.imports)) {
        const asset = await fetch(new URL(target, `${t.url}/_gatehouse/`));
        assert.equal(asset.status, 200, target);
        assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
        assert.match(await asset.text(), /export/);
      }
    });

    it('serves its scripts and styles; anything else under /_gatehouse/console/ is 404; /_gatehouse redirects', async () => {
      for (const [path, type] of [['app.js', /javascript/], ['requests.js', /javascript/], ['app.css', /css/], ['vendor/uplot.css', /css/]] as const) {
        const res = await fetch(`${t.url}/_gatehouse/console/${path}`);
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type') ?? '', type);
      }
      for (const path of ['..%2Fpackage.json', 'index.html', 'vendor%2F..%2Fapp.js', 'nope.js', 'vendor/preact.mjs']) assert.equal((await fetch(`${t.url}/_gatehouse/console/${path}`)).status, 404, path);
      // Compressed when the browser accepts it, and revalidated by ETag.
      const plain = await fetch(`${t.url}/_gatehouse/console/vendor/uplot.js`, { headers: { 'accept-encoding': 'identity' } });
      const text = await plain.text();
      assert.equal(plain.headers.get('content-encoding'), null);
      const raw = await new Promise<{ status: number; headers: Record<string, unknown>; length: number }>((resolve, reject) => {
        http.get(`${t.url}/_gatehouse/console/vendor/uplot.js`, { headers: { 'accept-encoding': 'gzip, deflate' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            assert.equal(zlib.gunzipSync(body).toString(), text);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, length: body.length });
          });
        }).on('error', reject);
      });
      assert.equal(raw.headers['content-encoding'], 'gzip');
      assert.ok(raw.length < text.length / 2, `${raw.length} bytes gzipped of ${text.length}`);
      const again = await fetch(`${t.url}/_gatehouse/console/vendor/uplot.js`, { headers: { 'if-none-match': plain.headers.get('etag') ?? '' } });
      assert.equal(again.status, 304);
      const redirect = await fetch(`${t.url}/_gatehouse`, { redirect: 'manual' });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get('location'), '/_gatehouse/');
    });

    it('ships in the package: web/ is in package.json "files", the page\u2019s dependencies are runtime dependencies', () => {
      const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files?: string[]; dependencies: Record<string, string> };
      assert.ok(pkg.files === undefined || pkg.files.some((f) => f === 'web/' || f === 'web'), JSON.stringify(pkg.files));
      for (const dep of ['preact', 'htm', 'uplot']) assert.ok(pkg.dependencies[dep] !== undefined, dep);
      for (const file of ['index.html', 'app.js', 'lib.js', 'requests.js', 'views.js', 'app.css']) assert.ok(fs.existsSync(new URL(`../web/console/${file}`, import.meta.url)), file);
    });

    it('is neither journaled nor faulted', async () => {
      await t.request('POST', '/_gatehouse/api/faults', { token: admin, body: { path: '/**', status: 503 } });
      assert.equal((await fetch(`${t.url}/_gatehouse/`)).status, 200);
      assert.equal((await t.request('GET', `${DATA}/enterprises`, { token: admin })).status, 200);
      await t.request('DELETE', '/_gatehouse/api/faults', { token: admin });
      const journal = await t.request('GET', '/_gatehouse/api/requests?path_prefix=/_gatehouse', { token: admin });
      assert.deepEqual(journal.body.requests.filter((r: { path: string }) => r.path.startsWith('/_gatehouse/')), []);
    });
  });

  describe('data routes', () => {
    it('are 404 without a token, to a non-administrator, and to an administrator token without site_admin', async () => {
      const owner = classic.ownerToken;
      const noScope = (await userWithToken(t.ctx, ['admin:enterprise'], { siteAdmin: true })).token;
      for (const path of ['/session', '/enterprises', '/enterprises/classic-co/identities', '/enterprises/classic-co/runners', '/enterprises/classic-co/billing']) {
        for (const token of [undefined, owner, noScope, 'ghp_000000000000000000000000000000000000']) {
          const res = await t.request('GET', `${DATA}${path}`, { token });
          assert.equal(res.status, 404, `${path} ${String(token)}`);
          assert.equal(res.body.message, 'Not Found');
        }
      }
    });

    it('session and enterprises', async () => {
      const session = await t.request('GET', `${DATA}/session`, { token: admin });
      assert.equal(session.status, 200);
      assert.deepEqual(session.body.scopes, ['site_admin']);
      const list = await t.request('GET', `${DATA}/enterprises`, { token: admin });
      assert.deepEqual(
        list.body.enterprises.map((e: { slug: string; kind: string; organizations: string[] }) => [e.slug, e.kind, e.organizations]),
        [
          ['classic-co', 'classic', [classic.org.login]],
          ['managed-co', 'managed', [managed.org.login]],
        ],
      );
      assert.equal((await t.request('GET', `${DATA}/enterprises/nope/identities`, { token: admin })).status, 404);
    });

    it('identities: invited and deprovisioned (classic), active and suspended (managed), groups with linked teams, audit trails', async () => {
      const classicUsers = '/scim/v2/enterprises/classic-co/Users';
      const invited = await scim(classic.ownerToken, 'POST', classicUsers, user('ivy'));
      assert.equal(invited.status, 201, invited.text);
      const gone = await scim(classic.ownerToken, 'POST', classicUsers, user('gus'));
      assert.equal((await scim(classic.ownerToken, 'PATCH', `${classicUsers}/${gone.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status, 200);

      const managedBase = '/scim/v2/enterprises/managed-co';
      const ann = await scim(managed.ownerToken, 'POST', `${managedBase}/Users`, user('ann'));
      assert.equal(ann.status, 201, ann.text);
      const sam = await scim(managed.ownerToken, 'POST', `${managedBase}/Users`, user('sam'));
      assert.equal((await scim(managed.ownerToken, 'PATCH', `${managedBase}/Users/${sam.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status, 200);
      const group = await scim(managed.ownerToken, 'POST', `${managedBase}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'Engineering', externalId: 'grp-eng', members: [{ value: ann.body.id }] });
      assert.equal(group.status, 201, group.text);
      const team = await createTeam(t.ctx, managed.org.login, { name: 'Platform', privacy: 'closed' }, null);
      const groupId = (await t.ctx.db.selectFrom('scim_groups').select('id').where('scim_id', '=', group.body.id).executeTakeFirstOrThrow()).id;
      const linked = await t.request('PATCH', `/orgs/${managed.org.login}/teams/${team.slug}/external-groups`, { token: managed.ownerToken, body: { group_id: groupId } });
      assert.equal(linked.status, 200, linked.text);

      const c = await t.request('GET', `${DATA}/enterprises/classic-co/identities`, { token: admin });
      assert.equal(c.status, 200);
      assert.deepEqual(c.body.users.map((u: { user_name: string; state: string }) => [u.user_name, u.state]), [['gus@example.com', 'deprovisioned'], ['ivy@example.com', 'invited']]);
      const m = await t.request('GET', `${DATA}/enterprises/managed-co/identities`, { token: admin });
      assert.deepEqual(m.body.users.map((u: { user_name: string; state: string; groups: string[] }) => [u.user_name, u.state, u.groups]), [['ann@example.com', 'active', ['Engineering']], ['sam@example.com', 'suspended', []]]);
      assert.ok(m.body.users.every((u: { login: string | null }) => typeof u.login === 'string'), 'managed identities have their accounts');
      assert.deepEqual(m.body.groups.map((g: { display_name: string; id: number; members: number; teams: unknown[] }) => [g.display_name, g.id, g.members, g.teams]), [['Engineering', groupId, 1, [{ organization: managed.org.login, slug: team.slug, name: 'Platform' }]]]);

      const trail = await t.request('GET', `${DATA}/enterprises/managed-co/identities/${sam.body.id}/audit`, { token: admin });
      assert.equal(trail.status, 200);
      const actions = trail.body.events.map((e: { action: string }) => e.action);
      assert.equal(actions.at(-1), 'external_identity.provision');
      assert.ok(actions.length >= 2, actions.join());
      assert.ok(trail.body.events.every((e: { data: { scim_id: string } }) => e.data.scim_id === sam.body.id));
      const groupTrail = await t.request('GET', `${DATA}/enterprises/managed-co/identities/${group.body.id}/audit`, { token: admin });
      assert.ok(groupTrail.body.events.some((e: { action: string }) => e.action === 'external_group.provision'));
      // Another enterprise's identity has no trail here; a malformed id is 422.
      assert.deepEqual((await t.request('GET', `${DATA}/enterprises/classic-co/identities/${sam.body.id}/audit`, { token: admin })).body.events, []);
      const bad = await t.request('GET', `${DATA}/enterprises/classic-co/identities/${encodeURIComponent('%_x')}/audit`, { token: admin });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.message, 'Validation Failed');
    });

    it('runners by group with status by the server clock, and the groups’ organizations', async () => {
      const reg = await t.request('POST', '/enterprises/classic-co/actions/runners/registration-token', { token: classic.ownerToken });
      assert.equal(reg.status, 201, reg.text);
      const group = await t.request('POST', '/enterprises/classic-co/actions/runner-groups', { token: classic.ownerToken, body: { name: 'gpu', visibility: 'selected', selected_organization_ids: [classic.org.id] } });
      assert.equal(group.status, 201, group.text);
      const jit = await t.request('POST', '/enterprises/classic-co/actions/runners/generate-jitconfig', {
        token: classic.ownerToken,
        body: { name: 'gpu-1', runner_group_id: group.body.id, labels: ['gpu', 'cuda'] },
      });
      assert.equal(jit.status, 201, jit.text);
      const first = await t.request('GET', `${DATA}/enterprises/classic-co/runners`, { token: admin });
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.groups.map((g: { name: string; default: boolean; visibility: string; organizations: string[] }) => [g.name, g.default, g.visibility, g.organizations]), [
        ['Default', true, 'all', []],
        ['gpu', false, 'selected', [classic.org.login]],
      ]);
      const runner = first.body.groups[1].runners[0];
      assert.equal(runner.name, 'gpu-1');
      assert.ok(runner.labels.includes('gpu') && runner.labels.includes('self-hosted'), runner.labels.join());
      assert.equal(runner.status, 'offline', 'a JIT runner that never connected');
    });

    it('billing: the cycle’s minutes per day by OS add up to the legacy report, with packages and storage', async () => {
      const usage = await t.request('POST', '/enterprises/classic-co/settings/billing/usage', {
        token: classic.ownerToken,
        body: {
          usageItems: [
            { date: '2026-11-10', product: 'actions', sku: 'UBUNTU', quantity: 100, unitType: 'minutes', organizationName: classic.org.login, repositoryName: `${classic.org.login}/a` },
            { date: '2026-11-10', product: 'actions', sku: 'ubuntu_8_core', quantity: 10, unitType: 'minutes', organizationName: classic.org.login, repositoryName: `${classic.org.login}/a` },
            { date: '2026-11-12', product: 'actions', sku: 'MACOS', quantity: 20, unitType: 'minutes', organizationName: classic.org.login, repositoryName: `${classic.org.login}/b` },
            { date: '2026-11-12', product: 'packages', sku: 'bandwidth', quantity: 3, unitType: 'gigabytes', organizationName: classic.org.login },
          ],
        },
      });
      assert.equal(usage.status, 201, usage.text);
      const res = await t.request('GET', `${DATA}/enterprises/classic-co/billing`, { token: admin });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.cycle, { start: '2026-11-01', end: '2026-12-01', days: 30 });
      assert.equal(res.body.days.length, 30);
      assert.deepEqual(res.body.days.find((d: { date: string }) => d.date === '2026-11-10'), { date: '2026-11-10', linux: 110, windows: 0, macos: 0 });
      assert.deepEqual(res.body.days.find((d: { date: string }) => d.date === '2026-11-12'), { date: '2026-11-12', linux: 0, windows: 0, macos: 20 });
      const legacy = await t.request('GET', '/enterprises/classic-co/settings/billing/actions', { token: classic.ownerToken });
      assert.deepEqual(res.body.actions, legacy.body);
      const total = res.body.days.reduce((n: number, d: { linux: number; windows: number; macos: number }) => n + d.linux + d.windows + d.macos, 0);
      assert.equal(total, legacy.body.total_minutes_used);
      assert.equal(res.body.packages.total_gigabytes_bandwidth_used, 3);
      assert.equal(typeof res.body.storage.days_left_in_billing_cycle, 'number');
    });
  });
});

describe(`console with the test controls off (${storageKind})`, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ testControls: false });
  });
  after(async () => t.close());

  it('neither the page nor its data routes exist', async () => {
    const admin = (await userWithToken(t.ctx, ['site_admin'], { siteAdmin: true })).token;
    for (const path of ['/_gatehouse/', '/_gatehouse/console/app.js', `${DATA}/session`, `${DATA}/enterprises`]) {
      const res = await t.request('GET', path, { token: admin });
      assert.equal(res.status, 404, path);
    }
  });
});
