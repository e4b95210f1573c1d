/**
 * `gatehouse seed`, run as a user runs it, against a store of its own (a SQLite directory, or a fresh PostgreSQL
 * database when the suite runs on PostgreSQL): applying a file twice changes nothing the second time, usage included;
 * a file with an unknown key, a wrong type or a reference to nothing is refused with the file, the path in it and
 * what was expected, a non-zero exit, and nothing written. State is read back over HTTP and row by row.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../src/app.ts';
import { testConfig, type StorageConfig } from '../src/config/config.ts';
import { openStorage } from '../src/storage/db.ts';
import { freePort, freshPostgres, postgresUrl } from './helpers/app.ts';
import { GATEHOUSE_BIN, cliEnv } from './helpers/serve.ts';

interface CliStore {
  args: string[];
  storage: StorageConfig;
  drop(): Promise<void>;
}

let scratch: string;

/** A store for one test: where `gatehouse` finds it (`args`) and how the test opens it (`storage`). */
async function cliStore(name: string): Promise<CliStore> {
  if (postgresUrl !== undefined) {
    const fresh = await freshPostgres(postgresUrl);
    if (fresh.storage.kind !== 'postgres') throw new Error('expected a PostgreSQL store');
    return { args: ['--database-url', fresh.storage.url], storage: fresh.storage, drop: fresh.drop };
  }
  const dir = path.join(scratch, name);
  return { args: ['--data', dir], storage: { kind: 'sqlite', filename: path.join(dir, 'gatehouse.db') }, drop: () => Promise.resolve() };
}

function gatehouse(args: string[], store: CliStore): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [GATEHOUSE_BIN, ...args, ...store.args], { encoding: 'utf8', env: cliEnv(), timeout: 60_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

function writeSeed(name: string, text: string): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Rows of every table of the store (the migrations' own tables aside), or undefined when the store does not exist. */
async function rowCounts(store: CliStore): Promise<Record<string, number> | undefined> {
  if (store.storage.kind === 'sqlite' && !fs.existsSync(store.storage.filename)) return undefined;
  const storage = openStorage(store.storage, { poolSize: 1, readCache: false });
  try {
    const tables = (await storage.db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('gatehouse_migrations'));
    const counts: Record<string, number> = {};
    for (const table of tables.sort()) {
      const row = await storage.db
        .selectFrom(table as 'users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    return counts;
  } finally {
    await storage.close();
  }
}

/** Serves the store over HTTP for `work`. */
async function served<T>(store: CliStore, work: (base: string) => Promise<T>): Promise<T> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = await buildApp({ config: testConfig({ storage: store.storage, publicUrl: base }) });
  await app.listen({ host: '127.0.0.1', port });
  try {
    return await work(base);
  } finally {
    await app.close();
  }
}

const today = new Date().toISOString().slice(0, 10);

const SEED = `users:
  - { login: mona, email: mona@example.com }
  - { login: hubot }
enterprises:
  - slug: octo-corp
    kind: classic
    owners: [mona]
    members: [hubot]
    organizations:
      - { login: octo-org, owners: [mona], members: [hubot] }
    runner_groups:
      - { name: gpu, visibility: selected, organizations: [octo-org] }
    runners:
      - { name: builder-1, os: linux, labels: [docker], online: true }
      - { name: gpu-1, os: linux, labels: [cuda], group: gpu }
    usage:
      - { date: ${today}, product: actions, sku: UBUNTU, quantity: 120, unitType: minutes, organizationName: octo-org, repositoryName: octo-org/app }
      - { date: ${today}, product: actions, sku: UBUNTU, quantity: 120, unitType: minutes, organizationName: octo-org, repositoryName: octo-org/app }
      - { date: ${today}, product: actions, sku: WINDOWS, quantity: 10, unitType: minutes, organizationName: octo-org, repositoryName: octo-org/app }
tokens:
  - { login: mona, scopes: [admin:enterprise, admin:org] }
`;

describe('gatehouse seed', () => {
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-seed-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('applied twice, records everything once (usage included) and says what was already there', async () => {
    const store = await cliStore('twice');
    try {
      const file = writeSeed('twice.yaml', SEED);
      const first = gatehouse(['seed', '--file', file], store);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /^usage records: 3 created, 0 already present$/m);
      assert.match(first.stdout, /^runners: 2 created, 0 already present$/m);
      const token = /^token for mona \(admin:enterprise, admin:org\): (ghp_\S+)$/m.exec(first.stdout)?.[1];
      assert.ok(token !== undefined, first.stdout);
      const once = await rowCounts(store);

      const second = gatehouse(['seed', '--file', file], store);
      assert.equal(second.status, 0, second.stderr);
      assert.equal(second.stderr, '');
      for (const kind of ['users: 0 created, 2', 'enterprises: 0 created, 1', 'enterprise roles: 0 created, 2', 'organizations: 0 created, 1', 'organization roles: 0 created, 2', 'runner groups: 0 created, 1', 'runners: 0 created, 2', 'usage records: 0 created, 3', 'tokens: 0 created, 1']) {
        assert.match(second.stdout, new RegExp(`^${kind} already present$`, 'm'));
      }
      assert.match(second.stdout, /^token for mona \(admin:enterprise, admin:org\): already issued \(note "seed"\)/m);
      assert.deepEqual(await rowCounts(store), once, 'the second run wrote no row in any table, audit log included');

      // One more usage item in the file: only that one is recorded.
      const grown = writeSeed('grown.yaml', SEED.replace('tokens:', `      - { date: ${today}, product: actions, sku: MACOS, quantity: 5, unitType: minutes, organizationName: octo-org, repositoryName: octo-org/ios }\ntokens:`));
      const third = gatehouse(['seed', '--file', grown], store);
      assert.equal(third.status, 0, third.stderr);
      assert.match(third.stdout, /^usage records: 1 created, 3 already present$/m);

      await served(store, async (base) => {
        const headers = { authorization: `Bearer ${token}` };
        const billing = (await (await fetch(`${base}/enterprises/octo-corp/settings/billing/actions`, { headers })).json()) as { total_minutes_used: number; minutes_used_breakdown: Record<string, number> };
        assert.equal(billing.total_minutes_used, 120 + 120 + 10 + 5, 'each usage item once, identical items counted as two');
        const runners = (await (await fetch(`${base}/enterprises/octo-corp/actions/runners`, { headers })).json()) as { total_count: number; runners: Array<{ name: string; status: string }> };
        assert.deepEqual(runners.runners.map((r) => r.name).sort(), ['builder-1', 'gpu-1']);
        const members = (await (await fetch(`${base}/orgs/octo-org/members`, { headers })).json()) as Array<{ login: string }>;
        assert.deepEqual(members.map((m) => m.login).sort(), ['hubot', 'mona']);
      });
    } finally {
      await store.drop();
    }
  });

  it('refuses unknown keys and wrong types with the file, the path and what was expected, before opening the store', async () => {
    const store = await cliStore('shape');
    try {
      const file = writeSeed(
        'seed.yaml',
        `users:
  - { login: mona, sitadmin: true }
enterprize:
  - slug: typo
enterprises:
  - slug: octo-corp
    kind: cloud
    owners: mona
    runners:
      - { name: ok, os: linux }
      - { name: r2, os: solaris, online: yes }
    usage:
      - { date: ${today}, product: actions, sku: UBUNTU, quantity: "12", unitType: minutes }
tokens:
  - { login: mona }
`,
      );
      const res = gatehouse(['seed', '--file', file], store);
      assert.equal(res.status, 1);
      assert.equal(res.stdout, '');
      const lines = res.stderr.trim().split('\n').sort();
      assert.deepEqual(lines, [
        `gatehouse: ${file}: enterprises[0].kind: expected one of classic, managed`,
        `gatehouse: ${file}: enterprises[0].owners: expected a list`,
        `gatehouse: ${file}: enterprises[0].runners[1].online: expected true or false`,
        `gatehouse: ${file}: enterprises[0].runners[1].os: expected one of linux, macos, windows`,
        `gatehouse: ${file}: enterprises[0].usage[0].quantity: expected a number`,
        `gatehouse: ${file}: enterprize: unknown key; expected one of users, enterprises, tokens`,
        `gatehouse: ${file}: tokens[0].scopes: missing; expected a list`,
        `gatehouse: ${file}: users[0].sitadmin: unknown key; expected one of login, email, name, site_admin`,
      ]);
      if (store.storage.kind === 'sqlite') assert.equal(await rowCounts(store), undefined, 'the store was not even created');
      else assert.equal((await rowCounts(store))?.users ?? 0, 0);

      const json = writeSeed('seed.json', JSON.stringify({ users: [{ login: 'mona' }], enterprises: [{ slug: 'x', runners: [{ name: 'r', labels: 'docker' }] }] }));
      const fromJson = gatehouse(['seed', '--file', json], store);
      assert.equal(fromJson.status, 1);
      assert.equal(fromJson.stderr, `gatehouse: ${json}: enterprises[0].runners[0].labels: expected a list\n`);
    } finally {
      await store.drop();
    }
  });

  it('writes nothing when an entry breaks a rule only the store can check, and names the entry', async () => {
    const store = await cliStore('rules');
    try {
      const base = writeSeed('base.yaml', 'users:\n  - { login: mona }\nenterprises:\n  - { slug: octo-corp, owners: [mona] }\n');
      assert.equal(gatehouse(['seed', '--file', base], store).status, 0);
      const before = await rowCounts(store);

      // Users, roles and an organization would be written before the runner that fails: none of them may remain.
      const file = writeSeed(
        'late-failure.yaml',
        `users:
  - { login: newbie }
enterprises:
  - slug: octo-corp
    owners: [newbie]
    organizations: [{ login: new-org, owners: [newbie] }]
    runners:
      - { name: r1 }
      - { name: r2, group: no-such-group }
`,
      );
      const res = gatehouse(['seed', '--file', file], store);
      assert.equal(res.status, 1);
      assert.equal(res.stderr, `gatehouse: ${file}: enterprises[0].runners[1]: Could not find any self-hosted runner group named "no-such-group".\n`);
      assert.deepEqual(await rowCounts(store), before);

      const ghost = writeSeed('ghost.yaml', 'users:\n  - { login: newbie }\nenterprises:\n  - { slug: octo-corp, members: [newbie, ghost] }\n');
      const missing = gatehouse(['seed', '--file', ghost], store);
      assert.equal(missing.status, 1);
      assert.equal(missing.stderr, `gatehouse: ${ghost}: enterprises[0].members[1]: no user "ghost": expected a login from the seed's users (newbie) or of a user already in the store\n`);
      assert.deepEqual(await rowCounts(store), before);

      const kind = writeSeed('kind.yaml', 'enterprises:\n  - { slug: octo-corp, kind: managed }\n');
      const wrongKind = gatehouse(['seed', '--file', kind], store);
      assert.equal(wrongKind.status, 1);
      assert.match(wrongKind.stderr, /kind\.yaml: enterprises\[0\]\.kind: enterprise "octo-corp" already exists as a classic enterprise/);

      const scopes = writeSeed('scopes.yaml', 'tokens:\n  - { login: mona, scopes: [admin:enterprise, admin:universe] }\n');
      const badScope = gatehouse(['seed', '--file', scopes], store);
      assert.equal(badScope.status, 1);
      assert.match(badScope.stderr, /scopes\.yaml: tokens\[0\]\.scopes: unknown scopes admin:universe; expected scopes among admin:enterprise, admin:org, /);

      const usage = writeSeed('usage.yaml', `enterprises:\n  - slug: octo-corp\n    usage:\n      - { date: ${today}, product: actions, sku: UBUNTU, quantity: 1, unitType: minutes }\n      - { date: ${today}, product: actions, sku: NOPE, quantity: 1, unitType: minutes }\n`);
      const badUsage = gatehouse(['seed', '--file', usage], store);
      assert.equal(badUsage.status, 1);
      assert.match(badUsage.stderr, /usage\.yaml: enterprises\[0\]\.usage\[1\]\.sku: /);
      assert.deepEqual(await rowCounts(store), before);
    } finally {
      await store.drop();
    }
  });
});
