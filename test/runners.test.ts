/**
 * Enterprise self-hosted runners: every `/enterprises/{enterprise}/actions/runners…` operation over HTTP
 * (openapi-contract.md §3, github-semantics.md §1.3–1.7), the resulting state read back from the store, and every
 * body checked against the ghec spec.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../src/auth/tokens.ts';
import { registerRunner } from '../src/domain/runners/registration.ts';
import { authenticateRunnerCredential, recordHeartbeat } from '../src/domain/runners/runner-service.ts';
import type { EnterpriseRow } from '../src/storage/tables.ts';
import {
  enterpriseMemberToken,
  seedEnterprise,
  startTestApp,
  storageKind,
  userWithToken,
  type ApiResponse,
  type SeededEnterprise,
  type TestApp,
} from './helpers/app.ts';
import { octokitFor } from './helpers/octokit.ts';
import { assertSchema } from './helpers/openapi.ts';

const RUNNERS = '/enterprises/{enterprise}/actions/runners';
const RUNNER = `${RUNNERS}/{runner_id}`;
const LABELS = `${RUNNER}/labels`;
const LABEL = `${LABELS}/{name}`;

/** Error bodies: 404 and 422 as the label operations document them; 401/403 against a ghec `basic-error`. */
function assertError(res: ApiResponse<any>, status: 401 | 403 | 404 | 409 | 422): void {
  assert.equal(res.status, status, res.text);
  if (status === 422) assertSchema('ghec', 'POST', LABELS, 422, res.body);
  else if (status === 404) assertSchema('ghec', 'POST', LABELS, 404, res.body);
  else if (status === 409) assertSchema('ghec', 'POST', `${RUNNERS}/generate-jitconfig`, 409, res.body);
  else {
    assert.equal(res.body.status, String(status));
    assertSchema('ghec', 'GET', '/enterprises/{enterprise}/copilot/billing/seats', status, res.body);
  }
}

describe(`enterprise self-hosted runners (${storageKind})`, () => {
  let t: TestApp;
  let seed: SeededEnterprise;
  let other: SeededEnterprise;
  let seq = 0;

  before(async () => {
    t = await startTestApp();
    seed = await seedEnterprise(t.ctx);
    other = await seedEnterprise(t.ctx);
  });
  after(() => t.close());

  const base = (enterprise: EnterpriseRow = seed.enterprise): string => `/enterprises/${enterprise.slug}/actions/runners`;

  /** Registers a runner through the domain (what the runner side does) and returns its id and credential. */
  async function addRunner(
    enterprise: EnterpriseRow = seed.enterprise,
    options: { name?: string; labels?: string[]; os?: string; architecture?: string } = {},
  ): Promise<{ id: number; name: string; credential: string }> {
    seq += 1;
    const name = options.name ?? `runner-${seq}`;
    const { runner, credential } = await registerRunner(
      t.ctx,
      enterprise,
      { name, os: options.os ?? 'linux', architecture: options.architecture, labels: options.labels ?? [], version: '2.329.0' },
      null,
    );
    return { id: runner.id, name, credential };
  }

  async function labelNames(runnerId: number): Promise<string[]> {
    const rows = await t.ctx.db.selectFrom('runner_labels').select('name').where('runner_id', '=', runnerId).orderBy('id').execute();
    return rows.map((r) => r.name);
  }

  async function auditActions(enterpriseId: number): Promise<string[]> {
    const rows = await t.ctx.db.selectFrom('audit_events').select('action').where('enterprise_id', '=', enterpriseId).orderBy('id').execute();
    return rows.map((r) => r.action);
  }

  describe('access', () => {
    it('answers 401 without a token, 404 to non-owners, 403 without manage_runners:enterprise', async () => {
      const missing = await t.request('GET', base());
      assertError(missing, 401);

      // An enterprise member (not an owner) cannot see the runners, whatever the token's scopes.
      const { token: memberToken } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'member', ['admin:enterprise']);
      assertError(await t.request('GET', base(), { token: memberToken }), 404);
      // A stranger gets 404 even for a malformed body: access is decided first.
      const { token: stranger } = await userWithToken(t.ctx, ['admin:enterprise']);
      assertError(await t.request('POST', `${base()}/generate-jitconfig`, { token: stranger, body: { nope: 1 } }), 404);
      // An owner of another enterprise neither.
      assertError(await t.request('GET', base(), { token: other.ownerToken }), 404);

      const { token: readOnly } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['read:enterprise']);
      const forbidden = await t.request('GET', base(), { token: readOnly });
      assertError(forbidden, 403);
      assert.equal(forbidden.headers.get('x-accepted-oauth-scopes'), 'admin:enterprise, manage_runners:enterprise');
      const tokenBefore = await t.ctx.db.selectFrom('runner_tokens').select('id').where('enterprise_id', '=', seed.enterprise.id).execute();
      assertError(await t.request('POST', `${base()}/registration-token`, { token: readOnly }), 403);
      const tokenAfter = await t.ctx.db.selectFrom('runner_tokens').select('id').where('enterprise_id', '=', seed.enterprise.id).execute();
      assert.equal(tokenAfter.length, tokenBefore.length);

      // manage_runners:enterprise alone suffices; admin:enterprise includes it.
      const { token: runnersOnly } = await enterpriseMemberToken(t.ctx, seed.enterprise, 'owner', ['manage_runners:enterprise']);
      assert.equal((await t.request('GET', base(), { token: runnersOnly })).status, 200);
      assert.equal((await t.request('GET', base(), { token: seed.ownerToken })).status, 200);

      assertError(await t.request('GET', '/enterprises/no-such-enterprise/actions/runners', { token: seed.ownerToken }), 404);
    });
  });

  describe('list and get', () => {
    let ent: SeededEnterprise;
    const ids: number[] = [];

    before(async () => {
      ent = await seedEnterprise(t.ctx);
    });

    it('lists nothing for a new enterprise', async () => {
      const res = await t.request('GET', base(ent.enterprise), { token: ent.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', RUNNERS, 200, res.body);
      assert.deepEqual(res.body, { total_count: 0, runners: [] });
      assert.equal(res.headers.get('link'), null);
    });

    it('pages with per_page/page and a Link header, ordered by id', async () => {
      for (let i = 0; i < 5; i += 1) ids.push((await addRunner(ent.enterprise, { name: `pager-${i}` })).id);
      const res = await t.request('GET', `${base(ent.enterprise)}?per_page=2&page=2`, { token: ent.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', RUNNERS, 200, res.body);
      assert.equal(res.body.total_count, 5);
      assert.deepEqual(res.body.runners.map((r: { id: number }) => r.id), ids.slice(2, 4));
      const link = res.headers.get('link') ?? '';
      const url = `${t.url}${base(ent.enterprise)}`;
      assert.ok(link.includes(`<${url}?per_page=2&page=1>; rel="prev"`), link);
      assert.ok(link.includes(`<${url}?per_page=2&page=3>; rel="next"`), link);
      assert.ok(link.includes(`<${url}?per_page=2&page=3>; rel="last"`), link);
      assert.ok(link.includes(`<${url}?per_page=2&page=1>; rel="first"`), link);

      const last = await t.request('GET', `${base(ent.enterprise)}?per_page=2&page=3`, { token: ent.ownerToken });
      assert.deepEqual(last.body.runners.map((r: { id: number }) => r.id), ids.slice(4));
      assert.ok(!(last.headers.get('link') ?? '').includes('rel="next"'));

      const all = await t.request('GET', base(ent.enterprise), { token: ent.ownerToken });
      assert.equal(all.body.runners.length, 5);
      assert.equal(all.headers.get('link'), null);

      // GHES-style base path: the links follow it.
      const ghes = await t.request('GET', `/api/v3${base(ent.enterprise)}?per_page=4`, { token: ent.ownerToken });
      assert.ok((ghes.headers.get('link') ?? '').includes(`<${t.url}/api/v3${base(ent.enterprise)}?per_page=4&page=2>; rel="next"`));
    });

    it('filters by exact name, ignoring case', async () => {
      const res = await t.request('GET', `${base(ent.enterprise)}?name=PAGER-3`, { token: ent.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', RUNNERS, 200, res.body);
      assert.equal(res.body.total_count, 1);
      assert.equal(res.body.runners[0].name, 'pager-3');
      const none = await t.request('GET', `${base(ent.enterprise)}?name=pager`, { token: ent.ownerToken });
      assert.deepEqual(none.body, { total_count: 0, runners: [] });
    });

    it('gets one runner in the runner shape', async () => {
      const made = await addRunner(ent.enterprise, { name: 'mac-1', os: 'macos', architecture: 'arm64', labels: ['gpu', 'GPU', 'xcode'] });
      const res = await t.request('GET', `${base(ent.enterprise)}/${made.id}`, { token: ent.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', RUNNER, 200, res.body);
      assert.equal(res.body.id, made.id);
      assert.equal(res.body.name, 'mac-1');
      assert.equal(res.body.os, 'macos');
      assert.equal(res.body.status, 'offline');
      assert.equal(res.body.busy, false);
      assert.equal(res.body.ephemeral, false);
      assert.equal(res.body.runner_group_id, 1);
      assert.equal(res.body.version, '2.329.0');
      assert.deepEqual(
        res.body.labels.map((l: { name: string; type: string }) => [l.name, l.type]),
        [['self-hosted', 'read-only'], ['macOS', 'read-only'], ['ARM64', 'read-only'], ['gpu', 'custom'], ['xcode', 'custom']],
      );
    });

    it("answers 404 for another enterprise's runner, an unknown id and a non-numeric id", async () => {
      const foreign = await addRunner(other.enterprise);
      assertError(await t.request('GET', `${base(ent.enterprise)}/${foreign.id}`, { token: ent.ownerToken }), 404);
      assertError(await t.request('GET', `${base(ent.enterprise)}/99999999`, { token: ent.ownerToken }), 404);
      assertError(await t.request('GET', `${base(ent.enterprise)}/abc`, { token: ent.ownerToken }), 404);
    });
  });

  describe('downloads and deprecations', () => {
    it('lists the runner application for every published platform at the configured version', async () => {
      const res = await t.request('GET', `${base()}/downloads`, { token: seed.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', `${RUNNERS}/downloads`, 200, res.body);
      const version = t.ctx.config.runnerVersion;
      const platforms = res.body.map((a: { os: string; architecture: string }) => `${a.os}-${a.architecture}`);
      assert.deepEqual(platforms, ['osx-x64', 'linux-x64', 'linux-arm', 'win-x64', 'linux-arm64', 'osx-arm64', 'win-arm64']);
      for (const app of res.body as Array<Record<string, string>>) {
        const ext = app.os === 'win' ? 'zip' : 'tar.gz';
        assert.equal(app.filename, `actions-runner-${app.os}-${app.architecture}-${version}.${ext}`);
        assert.equal(app.download_url, `https://github.com/actions/runner/releases/download/v${version}/${app.filename}`);
        assert.equal(app.sha256_checksum, undefined);
      }
    });

    it('reports no end-of-life schedule for a version, 404 for something else', async () => {
      const res = await t.request('GET', `${base()}/deprecations/2.300.0`, { token: seed.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', `${RUNNERS}/deprecations/{version}`, 200, res.body);
      assert.deepEqual(res.body, { runner_version: '2.300.0', registration_deprecates_at: null, runtime_deprecates_at: null });
      assert.equal((await t.request('GET', `${base()}/deprecations/latest`, { token: seed.ownerToken })).status, 404);
    });
  });

  describe('registration and remove tokens', () => {
    for (const kind of ['registration', 'remove'] as const) {
      it(`creates a ${kind} token: 201, one hour, only its hash stored, audited`, async () => {
        const res = await t.request('POST', `${base()}/${kind}-token`, { token: seed.ownerToken });
        assert.equal(res.status, 201);
        assertSchema('ghec', 'POST', `${RUNNERS}/${kind}-token`, 201, res.body);
        assert.match(res.body.token, /^[A-Z2-7]{29}$/);
        assert.equal(Date.parse(res.body.expires_at), t.clock.now().getTime() + 3_600_000);
        assert.equal(res.headers.get('x-ratelimit-resource'), 'actions_runner_registration');
        const row = await t.ctx.db.selectFrom('runner_tokens').selectAll().where('token_hash', '=', hashToken(res.body.token)).executeTakeFirst();
        assert.ok(row !== undefined);
        assert.equal(row.kind, kind);
        assert.equal(row.enterprise_id, seed.enterprise.id);
        const stored = await t.ctx.db.selectFrom('runner_tokens').select('token_hash').execute();
        assert.ok(stored.every((r) => r.token_hash !== res.body.token));
        assert.ok((await auditActions(seed.enterprise.id)).includes(`enterprise.create_runner_${kind}_token`));
      });
    }

    it('sweeps expired tokens when a new one is made', async () => {
      const ent = await seedEnterprise(t.ctx);
      await t.request('POST', `${base(ent.enterprise)}/registration-token`, { token: ent.ownerToken });
      t.clock.advance(3_600_001);
      await t.request('POST', `${base(ent.enterprise)}/remove-token`, { token: ent.ownerToken });
      const rows = await t.ctx.db.selectFrom('runner_tokens').select('kind').where('enterprise_id', '=', ent.enterprise.id).execute();
      assert.deepEqual(rows.map((r) => r.kind), ['remove']);
    });
  });

  describe('delete', () => {
    it('deletes a runner (204), its labels with it, and audits it', async () => {
      const made = await addRunner(seed.enterprise, { labels: ['doomed'] });
      const res = await t.request('DELETE', `${base()}/${made.id}`, { token: seed.ownerToken });
      assert.equal(res.status, 204);
      assert.equal(res.text, '');
      assert.equal(await t.ctx.db.selectFrom('runners').select('id').where('id', '=', made.id).executeTakeFirst(), undefined);
      assert.deepEqual(await labelNames(made.id), []);
      const event = await t.ctx.db
        .selectFrom('audit_events')
        .selectAll()
        .where('enterprise_id', '=', seed.enterprise.id)
        .where('action', '=', 'enterprise.remove_self_hosted_runner')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(event.actor, seed.owner.login);
      assert.equal(JSON.parse(event.data).runner_id, made.id);
      assertError(await t.request('DELETE', `${base()}/${made.id}`, { token: seed.ownerToken }), 404);
    });

    it("answers 404 for another enterprise's runner and leaves it alone", async () => {
      const foreign = await addRunner(other.enterprise);
      assertError(await t.request('DELETE', `${base()}/${foreign.id}`, { token: seed.ownerToken }), 404);
      assert.ok((await t.ctx.db.selectFrom('runners').select('id').where('id', '=', foreign.id).executeTakeFirst()) !== undefined);
    });

    it('refuses (422) to delete a runner that is running a job, and allows it once idle or offline', async () => {
      const made = await addRunner();
      const auth = await authenticateRunnerCredential(t.ctx, made.credential);
      assert.ok(auth !== undefined);
      await recordHeartbeat(t.ctx, auth, { busy: true });
      const busy = await t.request('DELETE', `${base()}/${made.id}`, { token: seed.ownerToken });
      assertError(busy, 422);
      assertSchema('ghec', 'DELETE', RUNNER, 422, busy.body);
      assert.equal(busy.body.message, `Bad request - Runner "${made.name}" is still running a job`);
      assert.ok((await t.ctx.db.selectFrom('runners').select('id').where('id', '=', made.id).executeTakeFirst()) !== undefined);
      // A runner that stopped heart-beating cannot be running anything: it is offline, and deletable.
      t.clock.advance((t.ctx.config.runnerOfflineAfterSeconds + 1) * 1000);
      assert.equal((await t.request('DELETE', `${base()}/${made.id}`, { token: seed.ownerToken })).status, 204);
    });
  });

  describe('labels', () => {
    let runner: { id: number; name: string; credential: string };
    let path: string;

    before(async () => {
      runner = await addRunner(seed.enterprise, { labels: ['gpu'] });
      path = `${base()}/${runner.id}/labels`;
    });

    const names = (body: { labels: Array<{ name: string }> }): string[] => body.labels.map((l) => l.name);

    it('lists read-only then custom labels', async () => {
      const res = await t.request('GET', path, { token: seed.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'GET', LABELS, 200, res.body);
      assert.equal(res.body.total_count, 4);
      assert.deepEqual(names(res.body), ['self-hosted', 'Linux', 'X64', 'gpu']);
      assert.deepEqual(res.body.labels.map((l: { type: string }) => l.type), ['read-only', 'read-only', 'read-only', 'custom']);
    });

    it('adds custom labels (POST), ignoring ones it has in any case, and returns all labels', async () => {
      const res = await t.request('POST', path, { token: seed.ownerToken, body: { labels: ['cuda', 'GPU', 'linux', 'big-disk', 'CUDA'] } });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'POST', LABELS, 200, res.body);
      assert.deepEqual(names(res.body), ['self-hosted', 'Linux', 'X64', 'gpu', 'cuda', 'big-disk']);
      assert.deepEqual(await labelNames(runner.id), ['self-hosted', 'Linux', 'X64', 'gpu', 'cuda', 'big-disk']);
      assert.ok((await auditActions(seed.enterprise.id)).includes('enterprise.runner_labels_changed'));
    });

    it('rejects bad label requests with 422 and changes nothing', async () => {
      const before = await labelNames(runner.id);
      for (const body of [{ labels: [] }, { labels: [''] }, { labels: ['ok', '  '] }, { labels: ['a,b'] }, { labels: [42] }, {}]) {
        const res = await t.request('POST', path, { token: seed.ownerToken, body });
        assertError(res, 422);
      }
      const tooMany = await t.request('PUT', path, { token: seed.ownerToken, body: { labels: Array.from({ length: 101 }, (_, i) => `l${i}`) } });
      assertError(tooMany, 422);
      assert.deepEqual(await labelNames(runner.id), before);
    });

    it('replaces the custom labels (PUT); an empty list clears them', async () => {
      const res = await t.request('PUT', path, { token: seed.ownerToken, body: { labels: ['CUDA', 'fast'] } });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'PUT', LABELS, 200, res.body);
      // `cuda` is kept as it was spelled; `gpu` and `big-disk` are gone.
      assert.deepEqual(names(res.body), ['self-hosted', 'Linux', 'X64', 'cuda', 'fast']);
      const cleared = await t.request('PUT', path, { token: seed.ownerToken, body: { labels: [] } });
      assert.equal(cleared.status, 200);
      assert.deepEqual(names(cleared.body), ['self-hosted', 'Linux', 'X64']);
      assert.deepEqual(await labelNames(runner.id), ['self-hosted', 'Linux', 'X64']);
    });

    it('caps custom labels at 100 per runner', async () => {
      const hundred = Array.from({ length: 100 }, (_, i) => `c${i}`);
      assert.equal((await t.request('PUT', path, { token: seed.ownerToken, body: { labels: hundred } })).status, 200);
      assertError(await t.request('POST', path, { token: seed.ownerToken, body: { labels: ['one-more'] } }), 422);
      // Re-adding one it has is no growth.
      assert.equal((await t.request('POST', path, { token: seed.ownerToken, body: { labels: ['C1'] } })).status, 200);
      assert.equal((await labelNames(runner.id)).length, 103);
    });

    it('removes one custom label (DELETE …/labels/{name}), ignoring case; 404 if absent, 422 if read-only', async () => {
      await t.request('PUT', path, { token: seed.ownerToken, body: { labels: ['gpu', 'Big Disk'] } });
      const res = await t.request('DELETE', `${path}/GPU`, { token: seed.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'DELETE', LABEL, 200, res.body);
      assert.deepEqual(names(res.body), ['self-hosted', 'Linux', 'X64', 'Big Disk']);
      const spaced = await t.request('DELETE', `${path}/big%20disk`, { token: seed.ownerToken });
      assert.deepEqual(names(spaced.body), ['self-hosted', 'Linux', 'X64']);

      assertError(await t.request('DELETE', `${path}/gpu`, { token: seed.ownerToken }), 404);
      const readOnly = await t.request('DELETE', `${path}/self-hosted`, { token: seed.ownerToken });
      assertError(readOnly, 422);
      assertSchema('ghec', 'DELETE', LABEL, 422, readOnly.body);
      assert.deepEqual(await labelNames(runner.id), ['self-hosted', 'Linux', 'X64']);
    });

    it('removes every custom label (DELETE …/labels) and returns the read-only ones', async () => {
      await t.request('POST', path, { token: seed.ownerToken, body: { labels: ['a', 'b'] } });
      const res = await t.request('DELETE', path, { token: seed.ownerToken });
      assert.equal(res.status, 200);
      assertSchema('ghec', 'DELETE', LABELS, 200, res.body);
      assert.deepEqual(res.body, {
        total_count: 3,
        labels: res.body.labels.filter((l: { type: string }) => l.type === 'read-only'),
      });
      assert.deepEqual(names(res.body), ['self-hosted', 'Linux', 'X64']);
      assert.deepEqual(await labelNames(runner.id), ['self-hosted', 'Linux', 'X64']);
    });

    it("answers 404 on another enterprise's runner and changes nothing", async () => {
      const foreign = await addRunner(other.enterprise, { labels: ['theirs'] });
      const foreignPath = `${base()}/${foreign.id}/labels`;
      assertError(await t.request('GET', foreignPath, { token: seed.ownerToken }), 404);
      assertError(await t.request('POST', foreignPath, { token: seed.ownerToken, body: { labels: ['x'] } }), 404);
      assertError(await t.request('PUT', foreignPath, { token: seed.ownerToken, body: { labels: [] } }), 404);
      assertError(await t.request('DELETE', foreignPath, { token: seed.ownerToken }), 404);
      assertError(await t.request('DELETE', `${foreignPath}/theirs`, { token: seed.ownerToken }), 404);
      assert.deepEqual(await labelNames(foreign.id), ['self-hosted', 'Linux', 'X64', 'theirs']);
    });
  });

  describe('generate-jitconfig', () => {
    it('creates an offline ephemeral runner with os "unknown" and a config carrying its credential', async () => {
      const res = await t.request('POST', `${base()}/generate-jitconfig`, {
        token: seed.ownerToken,
        body: { name: 'jit-1', runner_group_id: 1, labels: ['spot', 'Spot'], work_folder: '_w' },
      });
      assert.equal(res.status, 201);
      assertSchema('ghec', 'POST', `${RUNNERS}/generate-jitconfig`, 201, res.body);
      const { runner } = res.body;
      assert.equal(runner.name, 'jit-1');
      assert.equal(runner.os, 'unknown');
      assert.equal(runner.status, 'offline');
      assert.equal(runner.busy, false);
      assert.equal(runner.ephemeral, true);
      assert.equal(runner.runner_group_id, 1);
      assert.equal(runner.version, null);
      assert.deepEqual(runner.labels.map((l: { name: string }) => l.name), ['self-hosted', 'spot']);

      const config = JSON.parse(Buffer.from(res.body.encoded_jit_config, 'base64').toString('utf8'));
      assert.equal(config.service_url, `${t.url}/_services/runner`);
      assert.equal(config.enterprise, seed.enterprise.slug);
      assert.deepEqual(config.runner, { id: runner.id, name: 'jit-1', runner_group_id: 1, runner_group: 'Default', labels: ['spot'], work_folder: '_w', ephemeral: true });
      assert.equal(config.credential.scheme, 'Bearer');
      const auth = await authenticateRunnerCredential(t.ctx, config.credential.token);
      assert.equal(auth?.runner.id, runner.id);

      const stored = await t.ctx.db.selectFrom('runners').selectAll().where('id', '=', runner.id).executeTakeFirstOrThrow();
      assert.equal(stored.credential_hash, hashToken(config.credential.token));
      assert.ok((await auditActions(seed.enterprise.id)).includes('enterprise.register_self_hosted_runner'));
    });

    it('answers 404 for an unknown group, 409 for a name in use, 422 for bad input; creates nothing', async () => {
      const count = async () => (await t.ctx.db.selectFrom('runners').select('id').where('enterprise_id', '=', seed.enterprise.id).execute()).length;
      const before = await count();
      const url = `${base()}/generate-jitconfig`;
      const unknownGroup = await t.request('POST', url, { token: seed.ownerToken, body: { name: 'jit-x', runner_group_id: 999, labels: ['a'] } });
      assertError(unknownGroup, 404);
      const duplicate = await t.request('POST', url, { token: seed.ownerToken, body: { name: 'JIT-1', runner_group_id: 1, labels: ['a'] } });
      assertError(duplicate, 409);
      assert.match(duplicate.body.message, /already exists/);
      for (const body of [
        { name: 'jit-y', runner_group_id: 1, labels: [] },
        { name: 'jit-y', runner_group_id: 1, labels: [''] },
        { name: 'jit-y', runner_group_id: '1', labels: ['a'] },
        { name: '', runner_group_id: 1, labels: ['a'] },
        { name: 'x'.repeat(65), runner_group_id: 1, labels: ['a'] },
        { runner_group_id: 1, labels: ['a'] },
      ]) {
        assertError(await t.request('POST', url, { token: seed.ownerToken, body }), 422);
      }
      assert.equal(await count(), before);
    });
  });

  describe('through octokit', () => {
    it('drives every runner operation with @octokit/rest and the enterprise-cloud plugin', async () => {
      const ent = await seedEnterprise(t.ctx);
      const octokit = octokitFor(t.url, ent.ownerToken);
      const enterprise = ent.enterprise.slug;
      // @octokit/plugin-enterprise-cloud mounts its methods at `octokit.enterpriseAdmin` (not under `rest`).
      // Its typings are loose, so the methods are typed here as what they are: request functions.
      type Method = (params: Record<string, unknown>) => Promise<{ status: number; data: any }>;
      const admin = octokit.enterpriseAdmin as Record<string, Method>;

      const reg = await admin.createRegistrationTokenForEnterprise({ enterprise });
      assert.equal(reg.status, 201);
      assert.match(reg.data.token, /^[A-Z2-7]{29}$/);
      const rem = await admin.createRemoveTokenForEnterprise({ enterprise });
      assert.equal(rem.status, 201);

      const downloads = await admin.listRunnerApplicationsForEnterprise({ enterprise });
      assert.equal(downloads.data.length, 7);

      const jit = await octokit.request('POST /enterprises/{enterprise}/actions/runners/generate-jitconfig', {
        enterprise,
        name: 'octo-jit',
        runner_group_id: 1,
        labels: ['octo'],
      });
      assert.equal(jit.status, 201);
      const runnerId = jit.data.runner.id;

      const made = await addRunner(ent.enterprise, { name: 'octo-runner', labels: ['one'] });
      const list = await admin.listSelfHostedRunnersForEnterprise({ enterprise, per_page: 1 });
      assert.equal(list.data.total_count, 2);
      // octokit.paginate follows the Link header and unwraps `runners`.
      const all = await octokit.paginate<{ name: string }>('GET /enterprises/{enterprise}/actions/runners', { enterprise, per_page: 1 });
      assert.deepEqual(all.map((r) => r.name).sort(), ['octo-jit', 'octo-runner']);
      const byName = await octokit.request('GET /enterprises/{enterprise}/actions/runners', { enterprise, name: 'OCTO-RUNNER' });
      assert.equal(byName.data.runners?.[0]?.id, made.id);

      const got = await admin.getSelfHostedRunnerForEnterprise({ enterprise, runner_id: made.id });
      assert.equal(got.data.name, 'octo-runner');

      const listed = await admin.listLabelsForSelfHostedRunnerForEnterprise({ enterprise, runner_id: made.id });
      assert.equal(listed.data.total_count, 4);
      const added = await admin.addCustomLabelsToSelfHostedRunnerForEnterprise({ enterprise, runner_id: made.id, labels: ['two'] });
      assert.deepEqual(added.data.labels.map((l: { name: string }) => l.name), ['self-hosted', 'Linux', 'X64', 'one', 'two']);
      const set = await admin.setCustomLabelsForSelfHostedRunnerForEnterprise({ enterprise, runner_id: made.id, labels: ['three'] });
      assert.deepEqual(set.data.labels.map((l: { name: string }) => l.name), ['self-hosted', 'Linux', 'X64', 'three']);
      const removedOne = await admin.removeCustomLabelFromSelfHostedRunnerForEnterprise({ enterprise, runner_id: made.id, name: 'three' });
      assert.equal(removedOne.data.total_count, 3);
      await admin.addCustomLabelsToSelfHostedRunnerForEnterprise({ enterprise, runner_id: made.id, labels: ['four'] });
      const removedAll = await admin.removeAllCustomLabelsFromSelfHostedRunnerForEnterprise({ enterprise, runner_id: made.id });
      assert.equal(removedAll.data.total_count, 3);

      const deprecation = await octokit.request('GET /enterprises/{enterprise}/actions/runners/deprecations/{version}', { enterprise, version: '2.329.0' });
      assert.equal(deprecation.data.runner_version, '2.329.0');

      const deleted = await admin.deleteSelfHostedRunnerFromEnterprise({ enterprise, runner_id: runnerId });
      assert.equal(deleted.status, 204);
      await assert.rejects(admin.getSelfHostedRunnerForEnterprise({ enterprise, runner_id: runnerId }), (error: { status?: number }) => error.status === 404);

      // Under /api/v3 as a GHES client is configured.
      const ghes = octokitFor(`${t.url}/api/v3`, ent.ownerToken);
      const again = await (ghes.enterpriseAdmin as Record<string, Method>).listSelfHostedRunnersForEnterprise({ enterprise });
      assert.equal(again.data.total_count, 1);
    });
  });
});
