/**
 * The `gatehouse` command line, run as a user runs it (`node bin/gatehouse.mjs …`) against a temporary SQLite store:
 * every command's output and exit status, and the state it leaves, read back over HTTP from `serve`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasValidChecksum } from '../src/auth/tokens.ts';
import { testConfig } from '../src/config/config.ts';
import { findEnterprise } from '../src/domain/accounts/accounts.ts';
import { systemClock } from '../src/domain/context.ts';
import { createRegistrationToken } from '../src/domain/runners/registration.ts';
import { openStorage } from '../src/storage/db.ts';
import { GATEHOUSE_BIN, cliEnv, startServe } from './helpers/serve.ts';

const bin = GATEHOUSE_BIN;

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

function run(args: string[], dataDir: string): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [bin, ...args, '--data', dataDir], { encoding: 'utf8', env: cliEnv(), timeout: 60_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('gatehouse CLI', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates users, an enterprise, an organization and a token', () => {
    const data = path.join(dir, 'basic');
    assert.match(run(['migrate'], data).stdout, /applied: 0001-foundation/);
    assert.equal(run(['migrate'], data).stdout, 'schema is up to date\n');
    const user = run(['user', 'create', '--login', 'mona', '--email', 'mona@example.com'], data);
    assert.equal(user.status, 0, user.stderr);
    assert.match(user.stdout, /^\d+\n$/);
    const ent = run(['enterprise', 'create', '--slug', 'octo-corp', '--kind', 'managed', '--owner', 'mona'], data);
    assert.equal(ent.stdout, 'octo-corp\n');
    const org = run(['org', 'create', '--login', 'octo-org', '--enterprise', 'octo-corp', '--owner', 'mona'], data);
    assert.equal(org.status, 0, org.stderr);
    const team = run(['team', 'create', '--org', 'octo-org', '--name', 'Platform Team'], data);
    assert.equal(team.stdout, 'platform-team\n');
    const member = run(['team', 'add-member', '--org', 'octo-org', '--team', 'platform-team', '--login', 'mona'], data);
    assert.equal(member.stdout, 'active\n');
    assert.equal(run(['team', 'update', '--org', 'octo-org', '--team', 'platform-team', '--name', 'Platform Crew'], data).stdout, 'platform-crew\n');
    assert.equal(run(['team', 'create', '--org', 'octo-org', '--name', 'Doomed'], data).stdout, 'doomed\n');
    assert.equal(run(['team', 'list', '--org', 'octo-org'], data).stdout, 'doomed\tDoomed\nplatform-crew\tPlatform Crew\n');
    assert.equal(run(['team', 'delete', '--org', 'octo-org', '--team', 'doomed'], data).status, 0);
    assert.equal(run(['team', 'list', '--org', 'octo-org'], data).stdout, 'platform-crew\tPlatform Crew\n');
    assert.equal(run(['team', 'delete', '--org', 'octo-org', '--team', 'doomed'], data).status, 1);
    const token = run(['token', 'create', '--login', 'mona', '--scopes', 'admin:enterprise,admin:org'], data);
    assert.equal(token.status, 0, token.stderr);
    assert.ok(hasValidChecksum(token.stdout.trim()), 'prints the token alone');
  });

  it('reports errors on stderr with a non-zero exit', () => {
    const data = path.join(dir, 'errors');
    const missing = run(['token', 'create', '--login', 'nobody', '--scopes', 'admin:org'], data);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^gatehouse: .*user "nobody" does not exist/);
    const badKind = run(['enterprise', 'create', '--slug', 'x', '--kind', 'weird'], data);
    assert.notEqual(badKind.status, 0);
    const badScope = run(['user', 'create', '--login', 'ok-user'], data);
    assert.equal(badScope.status, 0);
    const unknownScope = run(['token', 'create', '--login', 'ok-user', '--scopes', 'admin:universe'], data);
    assert.equal(unknownScope.status, 1);
    assert.match(unknownScope.stderr, /unknown scopes: admin:universe/);
  });

  it('seeds from YAML, registers a runner with a token, imports usage, and serves it all', async () => {
    const data = path.join(dir, 'seeded');
    const seedFile = path.join(dir, 'seed.yaml');
    fs.writeFileSync(
      seedFile,
      [
        'users:',
        '  - { login: owner1, site_admin: false }',
        'enterprises:',
        '  - slug: seeded',
        '    owners: [owner1]',
        '    organizations: [{ login: seeded-org, owners: [owner1] }]',
        '    runner_groups: [{ name: builders, visibility: selected, organizations: [seeded-org] }]',
        '    runners:',
        '      - { name: r1, os: linux, labels: [docker], online: true }',
        '      - { name: r2, os: windows, group: builders }',
        'tokens:',
        '  - { login: owner1, scopes: [admin:enterprise] }',
      ].join('\n'),
    );
    const seeded = run(['seed', '--file', seedFile], data);
    assert.equal(seeded.status, 0, seeded.stderr);
    const token = /token for owner1 \(admin:enterprise\): (\S+)/.exec(seeded.stdout)?.[1];
    assert.ok(token !== undefined && hasValidChecksum(token));

    // A registration token, as POST …/registration-token would hand out.
    const storage = openStorage({ kind: 'sqlite', filename: path.join(data, 'gatehouse.db') });
    const ctx = { db: storage.db, dialect: storage.dialect, config: testConfig(), clock: systemClock };
    const enterprise = await findEnterprise(storage.db, 'seeded');
    assert.ok(enterprise !== undefined);
    const { token: registration } = await createRegistrationToken(ctx, enterprise, 'registration', null);
    await storage.close();
    const registered = run(['runner', 'register', '--enterprise', 'seeded', '--token', registration, '--name', 'cli-runner', '--labels', 'gpu,fast', '--os', 'macos'], data);
    assert.equal(registered.status, 0, registered.stderr);
    const runnerId = Number(registered.stdout.trim());
    const badToken = run(['runner', 'register', '--enterprise', 'seeded', '--token', 'NOPE', '--name', 'x'], data);
    assert.equal(badToken.status, 1);

    const csv = path.join(dir, 'usage.csv');
    const today = new Date().toISOString().slice(0, 10);
    fs.writeFileSync(csv, `Date,Product,SKU,Quantity,Unit Type,Organization,Repository\n${today},actions,UBUNTU,100,minutes,seeded-org,seeded-org/app\n${today},actions,WINDOWS,10,minutes,seeded-org,seeded-org/app\n`);
    const imported = run(['usage', 'import', '--enterprise', 'seeded', csv], data);
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal(imported.stdout, 'imported 2 usage records\n');

    const { server, port } = await startServe(data, 'listening');
    try {
      const base = `http://127.0.0.1:${port}`;
      const headers = { authorization: `Bearer ${token}` };
      const runners = (await (await fetch(`${base}/enterprises/seeded/actions/runners`, { headers })).json()) as { total_count: number; runners: Array<{ id: number; name: string; status: string; labels: Array<{ name: string }> }> };
      assert.equal(runners.total_count, 3);
      const byName = new Map(runners.runners.map((r) => [r.name, r]));
      assert.equal(byName.get('r1')?.status, 'online');
      assert.equal(byName.get('r2')?.status, 'offline');
      assert.deepEqual(byName.get('cli-runner')?.labels.map((l) => l.name), ['self-hosted', 'macOS', 'X64', 'gpu', 'fast']);
      assert.equal(byName.get('cli-runner')?.id, runnerId);
      const group = (await (await fetch(`${base}/enterprises/seeded/actions/runner-groups/2/runners`, { headers })).json()) as { runners: Array<{ name: string }> };
      assert.deepEqual(group.runners.map((r) => r.name), ['r2']);
      const billing = (await (await fetch(`${base}/enterprises/seeded/settings/billing/actions`, { headers })).json()) as { total_minutes_used: number };
      assert.equal(billing.total_minutes_used, 110);
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('serve --no-demo leaves an empty store empty', async () => {
    const data = path.join(dir, 'no-demo');
    const { server, port, out, exited } = await startServe(data, 'listening', ['--no-demo']);
    try {
      assert.doesNotMatch(out, /demo enterprise|curl /);
      const res = await fetch(`http://127.0.0.1:${port}/enterprises/acme/actions/runners`);
      assert.equal(res.status, 401, 'serving, with no token to use');
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    const storage = openStorage({ kind: 'sqlite', filename: path.join(data, 'gatehouse.db') });
    try {
      const counts = await Promise.all(
        (['enterprises', 'users', 'access_tokens', 'runners'] as const).map(async (table) =>
          Number((await storage.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
        ),
      );
      assert.deepEqual(counts, [0, 0, 0, 0]);
    } finally {
      await storage.close();
    }
  });

  it('usage import shows a progress bar on a terminal, and none when piped', { skip: hasScript() ? false : 'no `script` (util-linux) to give the command a terminal' }, () => {
    const data = path.join(dir, 'progress');
    const seedFile = path.join(dir, 'progress.json');
    fs.writeFileSync(seedFile, JSON.stringify({ users: [{ login: 'p-owner' }], enterprises: [{ slug: 'prog', owners: ['p-owner'] }] }));
    assert.equal(run(['seed', '--file', seedFile], data).status, 0);
    const csv = path.join(dir, 'progress.csv');
    const today = new Date().toISOString().slice(0, 10);
    const rows = Array.from({ length: 500 }, (_, i) => `${today},actions,UBUNTU,${i + 1},minutes,,prog/app${i % 7}`);
    fs.writeFileSync(csv, `Date,Product,SKU,Quantity,Unit Type,Organization,Repository\n${rows.join('\n')}\n`);
    const command = [process.execPath, bin, 'usage', 'import', '--enterprise', 'prog', csv, '--data', data].map((a) => `'${a}'`).join(' ');
    const onTerminal = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: cliEnv(), timeout: 60_000 });
    assert.equal(onTerminal.status, 0, onTerminal.stdout + onTerminal.stderr);
    assert.match(onTerminal.stdout, /importing \[[^\]]*\] 100% \| 500 rows/);
    assert.match(onTerminal.stdout, /imported 500 usage records/);
    const piped = run(['usage', 'import', '--enterprise', 'prog', csv], data);
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stderr, '');
    assert.equal(piped.stdout, 'imported 500 usage records\n');
  });

  it('serve prints its banner and nothing else: the listen address and, apart, the public URL', async () => {
    const data = path.join(dir, 'banner');
    // At the default log level, with a public URL other than the listen address (behind a proxy).
    const { server, port, out } = await startServe(data, 'curl ', ['--log-level', 'info', '--public-url', 'https://gh.example.com/api/v3']);
    let stdout = out;
    let stderr = '';
    server.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      // A request, and a moment for anything printed late (a sweep, a warning) to arrive.
      assert.equal((await fetch(`http://127.0.0.1:${port}/enterprises/acme/actions/runners`)).status, 401);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const lines = stdout.split('\n');
      assert.equal(lines[0], `Gatehouse listening on http://127.0.0.1:${port}, public URL https://gh.example.com/api/v3 (store: SQLite ${path.resolve(data, 'gatehouse.db')})`);
      assert.deepEqual(
        lines.slice(1).map((l) => l.replace(/ghp_\w+/g, 'TOKEN')),
        [
          '',
          'Created the demo enterprise "acme" (classic) and "acme-emu" (managed).',
          '  enterprise owner mona:     TOKEN',
          '  site administrator token:  TOKEN',
          '',
          'Try it:',
          '  curl -H "Authorization: Bearer TOKEN" https://gh.example.com/api/v3/enterprises/acme/actions/runners',
          '',
        ],
        'the banner alone: no log lines',
      );
      assert.equal(stderr, '', 'no warning on stderr');
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('says what was wrong and what is accepted: an unknown team or user, a bad registration token, log level or port', async () => {
    const data = path.join(dir, 'actionable');
    assert.equal(run(['user', 'create', '--login', 'mona'], data).status, 0);
    assert.equal(run(['user', 'create', '--login', 'hubot'], data).status, 0);
    assert.equal(run(['enterprise', 'create', '--slug', 'octo', '--owner', 'mona'], data).status, 0);
    assert.equal(run(['org', 'create', '--login', 'octo-org', '--enterprise', 'octo', '--owner', 'mona'], data).status, 0);
    assert.equal(run(['team', 'create', '--org', 'octo-org', '--name', 'Platform'], data).stdout, 'platform\n');
    assert.equal(run(['team', 'create', '--org', 'octo-org', '--name', 'Web'], data).stdout, 'web\n');

    const failed = (args: string[]): string => {
      const res = run(args, data);
      assert.equal(res.status, 1, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
      assert.equal(res.stdout, '');
      return res.stderr;
    };
    const unknownTeam = 'gatehouse: team "platfrom" does not exist in organization "octo-org": its teams are platform, web\n';
    assert.equal(failed(['team', 'add-member', '--org', 'octo-org', '--team', 'platfrom', '--login', 'mona']), unknownTeam);
    assert.equal(failed(['team', 'update', '--org', 'octo-org', '--team', 'platfrom', '--name', 'X']), unknownTeam);
    assert.equal(failed(['team', 'delete', '--org', 'octo-org', '--team', 'platfrom']), unknownTeam);
    assert.equal(failed(['team', 'remove-member', '--org', 'octo-org', '--team', 'platfrom', '--login', 'mona']), unknownTeam);
    assert.equal(
      failed(['team', 'add-member', '--org', 'octo-orgg', '--team', 'platform', '--login', 'mona']),
      'gatehouse: organization "octo-orgg" does not exist (create it with `gatehouse org create --login octo-orgg --enterprise SLUG`)\n',
    );
    assert.equal(
      failed(['team', 'add-member', '--org', 'octo-org', '--team', 'platform', '--login', 'ghost']),
      'gatehouse: user "ghost" does not exist (create it with `gatehouse user create --login ghost`)\n',
    );
    assert.equal(
      failed(['team', 'remove-member', '--org', 'octo-org', '--team', 'platform', '--login', 'hubot']),
      'gatehouse: user "hubot" is neither a member of team "platform" in organization "octo-org" nor invited to it\n',
    );
    // Nothing changed: both teams are there, with no members.
    assert.equal(run(['team', 'list', '--org', 'octo-org'], data).stdout, 'platform\tPlatform\nweb\tWeb\n');

    assert.equal(
      failed(['runner', 'register', '--enterprise', 'octo', '--token', 'NOPE', '--name', 'r1']),
      'gatehouse: the registration token is not valid for enterprise "octo": it is unknown, expired (a registration token is valid for one hour), a remove token, or issued for another enterprise; expected a registration token from POST /enterprises/octo/actions/runners/registration-token\n',
    );
    assert.equal(
      failed(['runner', 'register', '--enterprise', 'octopus', '--token', 'NOPE', '--name', 'r1']),
      'gatehouse: enterprise "octopus" does not exist (create it with `gatehouse enterprise create --slug octopus`)\n',
    );
    assert.equal(
      failed(['serve', '--log-level', 'loud']),
      'gatehouse: invalid log level "loud" (--log-level or LOG_LEVEL): expected one of fatal, error, warn, info, debug, trace, silent\n',
    );
    assert.equal(failed(['serve', '--port', 'eighty']), 'gatehouse: invalid port "eighty" (--port or PORT): expected a whole number from 0 to 65535\n');
  });

  it('serve creates the demo in an empty store and prints a working curl line; refuses a taken port', async () => {
    const data = path.join(dir, 'demo');
    const { server, port, out } = await startServe(data, 'curl ');
    try {
      const curl = /curl -H "Authorization: Bearer (\S+)" (\S+)/.exec(out);
      assert.ok(curl?.[1] !== undefined && curl[2] !== undefined);
      const res = await fetch(curl[2], { headers: { authorization: `Bearer ${curl[1]}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { total_count: number };
      assert.equal(body.total_count, 4);
      const taken = spawnSync(process.execPath, [bin, 'serve', '--data', data, '--port', String(port)], { encoding: 'utf8', env: cliEnv(), timeout: 30_000 });
      assert.equal(taken.status, 1);
      assert.match(taken.stderr, /already in use/);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
