/**
 * The runner side: the `config.sh` token exchange (`POST /actions/runner-registration` with RemoteAuth,
 * github-semantics.md §1.6), Gatehouse's runner-service API (`/_services/runner/…`: register, heartbeat, job reports,
 * remove), and `registerRunnerWithToken` as the CLI calls it. The whole life of a runner is driven over HTTP and read
 * back through the REST API and the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../src/errors/api-error.ts';
import { registerRunnerWithToken } from '../src/domain/runners/registration.ts';
import type { EnterpriseRow } from '../src/storage/tables.ts';
import { seedEnterprise, startTestApp, storageKind, type ApiResponse, type SeededEnterprise, type TestApp } from './helpers/app.ts';
import { assertSchema } from './helpers/openapi.ts';

const RUNNER = '/enterprises/{enterprise}/actions/runners/{runner_id}';

describe(`runner side (${storageKind})`, () => {
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

  const configUrl = (enterprise: EnterpriseRow): string => `https://github.com/enterprises/${enterprise.slug}`;
  const restBase = (enterprise: EnterpriseRow): string => `/enterprises/${enterprise.slug}/actions/runners`;

  async function newToken(s: SeededEnterprise, kind: 'registration' | 'remove'): Promise<string> {
    const res = await t.request('POST', `${restBase(s.enterprise)}/${kind}-token`, { token: s.ownerToken });
    assert.equal(res.status, 201);
    return res.body.token as string;
  }

  /** `config.sh`'s first call: RemoteAuth token exchange. */
  function exchange(token: string | undefined, body: unknown): Promise<ApiResponse<any>> {
    return t.request('POST', '/actions/runner-registration', {
      body,
      headers: token === undefined ? {} : { authorization: `RemoteAuth ${token}` },
    });
  }

  async function tenantCredential(s: SeededEnterprise, event: 'register' | 'remove'): Promise<string> {
    const token = await newToken(s, event === 'register' ? 'registration' : 'remove');
    const res = await exchange(token, { url: configUrl(s.enterprise), runner_event: event });
    assert.equal(res.status, 200, res.text);
    return res.body.token as string;
  }

  function service(method: string, path: string, credential: string | undefined, body?: unknown): Promise<ApiResponse<any>> {
    return t.request(method, `/_services/runner${path}`, { body, headers: credential === undefined ? {} : { authorization: `Bearer ${credential}` } });
  }

  async function register(s: SeededEnterprise, body: Record<string, unknown> = {}): Promise<{ id: number; credential: string; name: string }> {
    seq += 1;
    const name = `side-${seq}`;
    const res = await service('POST', '/runners', await tenantCredential(s, 'register'), { name, os: 'linux', ...body });
    assert.equal(res.status, 201, res.text);
    return { id: res.body.id, credential: res.body.credential, name: res.body.name };
  }

  async function restRunner(s: SeededEnterprise, id: number): Promise<ApiResponse<any>> {
    return t.request('GET', `${restBase(s.enterprise)}/${id}`, { token: s.ownerToken });
  }

  async function audit(enterpriseId: number, action: string): Promise<Array<Record<string, unknown>>> {
    const rows = await t.ctx.db.selectFrom('audit_events').select('data').where('enterprise_id', '=', enterpriseId).where('action', '=', action).execute();
    return rows.map((r) => JSON.parse(r.data) as Record<string, unknown>);
  }

  it('runs the whole life of a runner: register, online, busy, delete refused, idle, offline, removed with a remove token', async () => {
    // 1. config.sh --url https://github.com/enterprises/SLUG --token T
    const registration = await newToken(seed, 'registration');
    const exchanged = await exchange(registration, { url: configUrl(seed.enterprise), runner_event: 'register' });
    assert.equal(exchanged.status, 200);
    assert.equal(exchanged.headers.get('x-ratelimit-resource'), 'actions_runner_registration');
    assert.deepEqual(Object.keys(exchanged.body).sort(), ['token', 'token_schema', 'url']);
    assert.equal(exchanged.body.url, `${t.url}/_services/runner`);
    assert.equal(exchanged.body.token_schema, 'OAuthAccessToken');

    // 2. the runner registers itself with the tenant credential
    const registered = await t.request('POST', '/_services/runner/runners', {
      headers: { authorization: `Bearer ${exchanged.body.token}` },
      body: { name: 'build-01', labels: ['docker', 'big'], os: 'linux', architecture: 'arm64', version: '2.329.0' },
    });
    assert.equal(registered.status, 201, registered.text);
    assert.match(registered.body.credential, /^ghr_/);
    const id: number = registered.body.id;
    const credential: string = registered.body.credential;
    assert.equal(registered.body.runner.id, id);

    let res = await restRunner(seed, id);
    assertSchema('ghec', 'GET', RUNNER, 200, res.body);
    assert.equal(res.body.status, 'offline');
    assert.equal(res.body.os, 'linux');
    assert.equal(res.body.runner_group_id, 1);
    assert.equal(res.body.version, '2.329.0');
    assert.deepEqual(res.body.labels.map((l: { name: string }) => l.name), ['self-hosted', 'Linux', 'ARM64', 'docker', 'big']);
    assert.equal((await audit(seed.enterprise.id, 'enterprise.register_self_hosted_runner')).filter((d) => d.runner_id === id).length, 1);

    // 3. run.sh: heartbeats bring it online, then a job makes it busy
    const hb = await service('POST', '/heartbeat', credential, { busy: false });
    assert.equal(hb.status, 200);
    assert.equal(hb.body.status, 'online');
    assert.equal((await restRunner(seed, id)).body.status, 'online');
    assert.equal((await audit(seed.enterprise.id, 'enterprise.self_hosted_runner_online')).filter((d) => d.runner_id === id).length, 1);

    await service('POST', '/heartbeat', credential, { busy: true });
    res = await restRunner(seed, id);
    assert.equal(res.body.busy, true);

    // 4. a busy runner cannot be deleted
    const refused = await t.request('DELETE', `${restBase(seed.enterprise)}/${id}`, { token: seed.ownerToken });
    assert.equal(refused.status, 422);
    assertSchema('ghec', 'DELETE', RUNNER, 422, refused.body);
    assert.equal(refused.body.message, 'Bad request - Runner "build-01" is still running a job');

    // 5. the job ends; then silence: offline after runnerOfflineAfterSeconds
    await service('POST', '/heartbeat', credential, { busy: false });
    assert.equal((await restRunner(seed, id)).body.busy, false);
    t.clock.advance(t.ctx.config.runnerOfflineAfterSeconds * 1000);
    assert.equal((await restRunner(seed, id)).body.status, 'online', 'still online at exactly the limit');
    t.clock.advance(1000);
    res = await restRunner(seed, id);
    assert.equal(res.body.status, 'offline');
    assert.equal(res.body.busy, false);

    // 6. config.sh remove --token T
    const removeToken = await newToken(seed, 'remove');
    const removeTenant = await exchange(removeToken, { url: configUrl(seed.enterprise), runner_event: 'remove' });
    assert.equal(removeTenant.status, 200);
    const removed = await service('DELETE', `/runners/${id}`, removeTenant.body.token);
    assert.equal(removed.status, 204);
    assert.equal((await restRunner(seed, id)).status, 404);
    assert.equal(await t.ctx.db.selectFrom('runner_labels').select('id').where('runner_id', '=', id).executeTakeFirst(), undefined);
    assert.deepEqual(
      (await audit(seed.enterprise.id, 'enterprise.remove_self_hosted_runner')).filter((d) => d.runner_id === id).map((d) => d.reason),
      ['removed_with_remove_token'],
    );
    // Its credential died with it.
    assert.equal((await service('POST', '/heartbeat', credential, { busy: false })).status, 401);
  });

  describe('POST /actions/runner-registration', () => {
    it('answers 404 for a bad, expired, wrong-kind or wrong-enterprise token, and for a URL that is not an enterprise', async () => {
      const registration = await newToken(seed, 'registration');
      const remove = await newToken(seed, 'remove');
      const cases: Array<[string | undefined, unknown]> = [
        [undefined, { url: configUrl(seed.enterprise), runner_event: 'register' }],
        ['NOTATOKEN', { url: configUrl(seed.enterprise), runner_event: 'register' }],
        [remove, { url: configUrl(seed.enterprise), runner_event: 'register' }],
        [registration, { url: configUrl(seed.enterprise), runner_event: 'remove' }],
        [registration, { url: configUrl(other.enterprise), runner_event: 'register' }],
        [registration, { url: `https://github.com/${seed.org.login}`, runner_event: 'register' }],
        [registration, { url: `https://github.com/enterprises/${seed.enterprise.slug}/extra`, runner_event: 'register' }],
        [registration, { url: 'not a url', runner_event: 'register' }],
        [registration, { url: 'https://github.com/enterprises/%E0%A4%A', runner_event: 'register' }],
      ];
      for (const [token, body] of cases) {
        const res = await exchange(token, body);
        assert.equal(res.status, 404, JSON.stringify(body));
        assert.deepEqual(res.body, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      }
      // A tenant credential cannot be exchanged again.
      const tenant = await tenantCredential(seed, 'register');
      assert.equal((await exchange(tenant, { url: configUrl(seed.enterprise), runner_event: 'register' })).status, 404);

      // The GHES form of the URL, any case, a trailing slash: all name the enterprise.
      const ok = await exchange(registration, { url: `http://ghe.example.com/enterprises/${seed.enterprise.slug.toUpperCase()}/`, runner_event: 'register' });
      assert.equal(ok.status, 200);
      // Registration tokens are reusable until they expire …
      assert.equal((await exchange(registration, { url: configUrl(seed.enterprise), runner_event: 'register' })).status, 200);
      // … and then they are not.
      t.clock.advance(3_600_000);
      assert.equal((await exchange(registration, { url: configUrl(seed.enterprise), runner_event: 'register' })).status, 404);
    });

    it('rejects a malformed body (400/422)', async () => {
      const registration = await newToken(seed, 'registration');
      assert.equal((await exchange(registration, { url: configUrl(seed.enterprise) })).status, 422);
      assert.equal((await exchange(registration, { url: configUrl(seed.enterprise), runner_event: 'configure' })).status, 422);
      const bad = await t.request('POST', '/actions/runner-registration', { rawBody: '{"url":', headers: { authorization: `RemoteAuth ${registration}` } });
      assert.equal(bad.status, 400);
    });

    it('is served under /api/v3 too, pointing the runner at the GHES-style service URL', async () => {
      const registration = await newToken(seed, 'registration');
      const res = await t.request('POST', '/api/v3/actions/runner-registration', {
        body: { url: configUrl(seed.enterprise), runner_event: 'register' },
        headers: { authorization: `RemoteAuth ${registration}` },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.url, `${t.url}/api/v3/_services/runner`);
      const reg = await t.request('POST', '/api/v3/_services/runner/runners', { body: { name: 'ghes-style', os: 'windows' }, headers: { authorization: `Bearer ${res.body.token}` } });
      assert.equal(reg.status, 201);
      assert.equal(reg.body.runner.os, 'windows');
    });
  });

  describe('runner-service registration', () => {
    it('authenticates: 401 without or with an unknown credential, 403 with the wrong kind', async () => {
      const body = { name: 'nope', os: 'linux' };
      assert.equal((await service('POST', '/runners', undefined, body)).status, 401);
      assert.equal((await service('POST', '/runners', 'ghs_unknown', body)).status, 401);
      assert.equal((await service('POST', '/runners', await newToken(seed, 'registration'), body)).status, 401, 'a raw registration token is not a tenant credential');
      assert.equal((await service('POST', '/runners', await tenantCredential(seed, 'remove'), body)).status, 403);
      const runner = await register(seed);
      assert.equal((await service('POST', '/runners', runner.credential, body)).status, 403);
      // A stranger is told 401 before anything is said about the body.
      assert.equal((await service('POST', '/runners', undefined, { bogus: true })).status, 401);
      const tenant = await tenantCredential(seed, 'register');
      t.clock.advance(15 * 60_000);
      assert.equal((await service('POST', '/runners', tenant, body)).status, 401, 'tenant credentials are short-lived');
      const names = await t.ctx.db.selectFrom('runners').select('name').where('name', '=', 'nope').execute();
      assert.deepEqual(names, []);
    });

    it('registers into a named group (case-insensitive) or says it cannot find it', async () => {
      const now = t.clock.now().toISOString();
      const group = await t.ctx.db
        .insertInto('runner_groups')
        .values({
          enterprise_id: seed.enterprise.id,
          number: 77,
          name: 'GPU Fleet',
          name_lower: 'gpu fleet',
          visibility: 'all',
          is_default: 0,
          allows_public_repositories: 0,
          restricted_to_workflows: 0,
          selected_workflows: '[]',
          workflow_restrictions_read_only: 0,
          network_configuration_id: null,
          created_at: now,
          updated_at: now,
        })
        .returning(['id'])
        .executeTakeFirstOrThrow();
      const made = await register(seed, { runner_group: 'gpu fleet', ephemeral: true, os: 'MacOS', architecture: 'X64' });
      const row = await t.ctx.db.selectFrom('runners').selectAll().where('id', '=', made.id).executeTakeFirstOrThrow();
      assert.equal(row.runner_group_id, group.id);
      const res = await restRunner(seed, made.id);
      assert.equal(res.body.runner_group_id, 77);
      assert.equal(res.body.ephemeral, true);
      assert.equal(res.body.os, 'macos');

      const tenant = await tenantCredential(seed, 'register');
      const missing = await service('POST', '/runners', tenant, { name: 'lost', os: 'linux', runner_group: 'Nowhere' });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.message, 'Could not find any self-hosted runner group named "Nowhere".');
    });

    it('refuses a taken name (409), a bad OS, architecture, name or labels (422), and creates nothing', async () => {
      const existing = await register(seed);
      const tenant = await tenantCredential(seed, 'register');
      const before = (await t.ctx.db.selectFrom('runners').select('id').execute()).length;
      const dup = await service('POST', '/runners', tenant, { name: existing.name.toUpperCase(), os: 'linux' });
      assert.equal(dup.status, 409);
      for (const body of [
        { name: 'x1', os: 'plan9' },
        { name: 'x2', os: 'linux', architecture: 'mips' },
        { name: '   ', os: 'linux' },
        { name: 'x3', os: 'linux', labels: ['ok', ''] },
        { name: 'x4', os: 'linux', labels: 'docker' },
        { name: 'x5' },
      ]) {
        const res = await service('POST', '/runners', tenant, body);
        assert.equal(res.status, 422, JSON.stringify(body));
      }
      assert.equal((await t.ctx.db.selectFrom('runners').select('id').execute()).length, before);
      // The same name is free in another enterprise.
      const elsewhere = await service('POST', '/runners', await tenantCredential(other, 'register'), { name: existing.name, os: 'linux' });
      assert.equal(elsewhere.status, 201);
    });
  });

  describe('heartbeats and job reports', () => {
    it('learns the platform of a JIT runner on first contact and removes it after its job', async () => {
      const jit = await t.request('POST', `${restBase(seed.enterprise)}/generate-jitconfig`, {
        token: seed.ownerToken,
        body: { name: 'jit-side', runner_group_id: 1, labels: ['spot'] },
      });
      assert.equal(jit.status, 201);
      const config = JSON.parse(Buffer.from(jit.body.encoded_jit_config, 'base64').toString('utf8'));
      const credential: string = config.credential.token;
      const id: number = jit.body.runner.id;

      // No OS yet: a job report cannot be billed.
      const early = await service('POST', '/jobs', credential, {
        repository: `${seed.org.login}/app`,
        started_at: '2026-11-15T11:00:00Z',
        completed_at: '2026-11-15T11:01:00Z',
        conclusion: 'success',
      });
      assert.equal(early.status, 422);

      const hb = await service('POST', '/heartbeat', credential, { busy: true, os: 'windows', architecture: 'x64', version: '2.330.0' });
      assert.equal(hb.status, 200);
      assert.equal(hb.body.os, 'windows');
      assert.equal(hb.body.version, '2.330.0');
      assert.equal(hb.body.busy, true);
      assert.deepEqual(hb.body.labels.map((l: { name: string }) => l.name), ['self-hosted', 'Windows', 'X64', 'spot']);
      assertSchema('ghec', 'GET', RUNNER, 200, hb.body);

      const job = await service('POST', '/jobs', credential, {
        repository: `${seed.org.login}/app`,
        started_at: '2026-11-15T23:59:30Z',
        completed_at: '2026-11-16T00:00:31.5Z',
        conclusion: 'failure',
      });
      assert.equal(job.status, 201, job.text);
      assert.equal(job.body.runner_removed, true);
      assert.equal(job.body.usage.quantity, 2);
      assert.equal(job.body.usage.sku, 'WINDOWS');
      assert.equal((await restRunner(seed, id)).status, 404);
      const usage = await t.ctx.db.selectFrom('usage_records').selectAll().where('runner_id', '=', id).execute();
      assert.equal(usage.length, 1);
      assert.equal(usage[0]?.usage_date, '2026-11-16');
      assert.equal(usage[0]?.org_id, seed.org.id);
      assert.deepEqual(
        (await audit(seed.enterprise.id, 'enterprise.remove_self_hosted_runner')).filter((d) => d.runner_id === id).map((d) => d.reason),
        ['ephemeral_job_completed'],
      );
      assert.equal((await service('POST', '/heartbeat', credential, { busy: false })).status, 401);
    });

    it('records each job as self-hosted Actions minutes, rounded up per job', async () => {
      const runner = await register(seed, { os: 'macos' });
      await service('POST', '/heartbeat', runner.credential, { busy: true });
      const cases = [
        { started_at: '2026-11-14T10:00:00Z', completed_at: '2026-11-14T10:00:01Z', minutes: 1 },
        { started_at: '2026-11-14T10:00:00Z', completed_at: '2026-11-14T10:03:00Z', minutes: 3 },
        { started_at: '2026-11-14T10:00:00+02:00', completed_at: '2026-11-14T10:05:00.001+02:00', minutes: 6 },
        { started_at: '2026-11-14T10:00:00Z', completed_at: '2026-11-14T10:00:00Z', minutes: 0 },
      ];
      for (const c of cases) {
        const res = await service('POST', '/jobs', runner.credential, {
          repository: 'someone/personal',
          started_at: c.started_at,
          completed_at: c.completed_at,
          conclusion: 'success',
          public_repository: true,
        });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.usage.quantity, c.minutes, `${c.started_at} → ${c.completed_at}`);
        assert.equal(res.body.runner_removed, false);
      }
      const rows = await t.ctx.db.selectFrom('usage_records').selectAll().where('runner_id', '=', runner.id).orderBy('id').execute();
      assert.deepEqual(rows.map((r) => Number(r.quantity)), [1, 3, 6, 0]);
      for (const row of rows) {
        assert.equal(row.enterprise_id, seed.enterprise.id);
        assert.equal(row.product, 'actions');
        assert.equal(row.unit, 'minutes');
        assert.equal(row.sku, 'MACOS');
        assert.equal(row.self_hosted, 1);
        assert.equal(row.public_repository, 1);
        assert.equal(row.org_id, null, 'a user-owned repository has no organization');
        assert.equal(row.repository, 'someone/personal');
        assert.equal(row.usage_date, '2026-11-14');
      }
      // The report leaves the runner idle and online.
      const res = await restRunner(seed, runner.id);
      assert.equal(res.body.busy, false);
      assert.equal(res.body.status, 'online');
    });

    it('resolves the organization only for organizations of this enterprise', async () => {
      const runner = await register(seed);
      const res = await service('POST', '/jobs', runner.credential, {
        repository: `${other.org.login}/app`,
        started_at: '2026-11-14T10:00:00Z',
        completed_at: '2026-11-14T10:10:00Z',
        conclusion: 'cancelled',
      });
      assert.equal(res.status, 201);
      assert.equal(res.body.usage.organization_id, null);
      assert.equal(res.body.usage.sku, 'UBUNTU');
    });

    it('rejects malformed job reports and heartbeats (422) without recording anything', async () => {
      const runner = await register(seed);
      const good = { repository: 'octo/app', started_at: '2026-11-14T10:00:00Z', completed_at: '2026-11-14T10:10:00Z', conclusion: 'success' };
      for (const body of [
        { ...good, repository: 'no-slash' },
        { ...good, started_at: 'yesterday' },
        { ...good, completed_at: '2026-11-14T09:00:00Z' },
        { ...good, conclusion: 'great' },
        { ...good, public_repository: 'yes' },
        { repository: 'octo/app' },
      ]) {
        const res = await service('POST', '/jobs', runner.credential, body);
        assert.equal(res.status, 422, JSON.stringify(body));
      }
      assert.deepEqual(await t.ctx.db.selectFrom('usage_records').select('id').where('runner_id', '=', runner.id).execute(), []);
      assert.equal((await service('POST', '/heartbeat', runner.credential, { busy: 'yes' })).status, 422);
      assert.equal((await service('POST', '/heartbeat', runner.credential, { busy: false, os: 'beos' })).status, 422);
      assert.equal((await restRunner(seed, runner.id)).body.status, 'offline');
      // Tenant credentials and strangers cannot heartbeat.
      assert.equal((await service('POST', '/heartbeat', await tenantCredential(seed, 'register'), { busy: false })).status, 403);
      assert.equal((await service('POST', '/heartbeat', undefined, { busy: false })).status, 401);
      assert.equal((await service('POST', '/jobs', 'ghr_nope', good)).status, 401);
    });

    it('audits a new runner version', async () => {
      const runner = await register(seed, { version: '2.320.0' });
      await service('POST', '/heartbeat', runner.credential, { busy: false, version: '2.321.0' });
      const events = (await audit(seed.enterprise.id, 'enterprise.self_hosted_runner_updated')).filter((d) => d.runner_id === runner.id);
      assert.deepEqual(events.map((d) => [d.from_version, d.to_version]), [['2.320.0', '2.321.0']]);
      assert.equal((await restRunner(seed, runner.id)).body.version, '2.321.0');
    });
  });

  describe('runner-service removal', () => {
    it('lets a runner remove itself but no other runner', async () => {
      const a = await register(seed);
      const b = await register(seed);
      assert.equal((await service('DELETE', `/runners/${b.id}`, a.credential)).status, 404);
      assert.equal((await service('DELETE', `/runners/${a.id}`, a.credential)).status, 204);
      assert.equal((await restRunner(seed, a.id)).status, 404);
      assert.equal((await restRunner(seed, b.id)).status, 200);
    });

    it("refuses a registration credential (403), another enterprise's runner (404) and a busy runner (422)", async () => {
      const runner = await register(seed);
      assert.equal((await service('DELETE', `/runners/${runner.id}`, await tenantCredential(seed, 'register'))).status, 403);
      assert.equal((await service('DELETE', `/runners/${runner.id}`, await tenantCredential(other, 'remove'))).status, 404);
      await service('POST', '/heartbeat', runner.credential, { busy: true });
      const busy = await service('DELETE', `/runners/${runner.id}`, await tenantCredential(seed, 'remove'));
      assert.equal(busy.status, 422);
      assert.equal((await service('DELETE', `/runners/${runner.id}`, undefined)).status, 401);
      assert.equal((await restRunner(seed, runner.id)).status, 200);
    });
  });

  describe('registerRunnerWithToken (the CLI path)', () => {
    it('registers with a registration token of that enterprise', async () => {
      const token = await newToken(seed, 'registration');
      const { runner, credential } = await registerRunnerWithToken(t.ctx, {
        enterpriseSlug: seed.enterprise.slug,
        token,
        name: 'cli-runner',
        labels: ['cli'],
        os: 'windows',
        architecture: 'arm64',
      });
      assert.match(credential, /^ghr_/);
      assert.equal(runner.name, 'cli-runner');
      assert.equal(runner.status, 'offline');
      assert.deepEqual(runner.labels.map((l) => l.name), ['self-hosted', 'Windows', 'ARM64', 'cli']);
      assert.equal((await service('POST', '/heartbeat', credential, { busy: false })).body.status, 'online');
    });

    it('refuses a remove token, another enterprise, an unknown or expired token with code runner_token_invalid', async () => {
      const registration = await newToken(seed, 'registration');
      const remove = await newToken(seed, 'remove');
      const attempts = [
        { enterpriseSlug: seed.enterprise.slug, token: remove },
        { enterpriseSlug: other.enterprise.slug, token: registration },
        { enterpriseSlug: 'no-such-enterprise', token: registration },
        { enterpriseSlug: seed.enterprise.slug, token: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      ];
      for (const attempt of attempts) {
        await assert.rejects(
          registerRunnerWithToken(t.ctx, { ...attempt, name: 'never', os: 'linux' }),
          (error: unknown) => error instanceof ApiError && error.status === 404 && error.code === 'runner_token_invalid',
        );
      }
      t.clock.advance(3_600_000);
      await assert.rejects(
        registerRunnerWithToken(t.ctx, { enterpriseSlug: seed.enterprise.slug, token: registration, name: 'never', os: 'linux' }),
        (error: unknown) => error instanceof ApiError && error.code === 'runner_token_invalid',
      );
      assert.equal(await t.ctx.db.selectFrom('runners').select('id').where('name', '=', 'never').executeTakeFirst(), undefined);
    });
  });
});
