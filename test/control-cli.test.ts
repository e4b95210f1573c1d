/**
 * Test controls from the command line (`gatehouse faults|snapshot|reset|clock|requests`), run as a user runs them
 * against `gatehouse serve` on a temporary SQLite store; and `serve --no-test-controls` / GATEHOUSE_TEST_CONTROLS=0.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GATEHOUSE_BIN, cliEnv, startServe, type ServedCli } from './helpers/serve.ts';

const DAY = 86_400_000;

describe('gatehouse test-control commands', () => {
  let dir: string;
  let served: ServedCli;
  let url: string;
  let admin: string;
  let owner: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-control-cli-'));
    served = await startServe(path.join(dir, 'data'), 'Try it:');
    url = `http://127.0.0.1:${served.port}`;
    admin = /site administrator token:\s+(\S+)/.exec(served.out)?.[1] ?? '';
    owner = /enterprise owner mona:\s+(\S+)/.exec(served.out)?.[1] ?? '';
    assert.ok(admin.startsWith('ghp_') && owner.startsWith('ghp_'), served.out);
  });
  after(async () => {
    served.server.kill('SIGTERM');
    await served.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
    const res = spawnSync(process.execPath, [GATEHOUSE_BIN, ...args], { encoding: 'utf8', env: { ...cliEnv(), GATEHOUSE_URL: url, GATEHOUSE_TOKEN: admin, ...env }, timeout: 60_000 });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  }
  const runners = (token = owner): Promise<Response> => fetch(`${url}/enterprises/acme/actions/runners`, { headers: { authorization: `Bearer ${token}` } });

  it('faults: add prints the id; the rule fires; list shows how often; delete removes it', async () => {
    const added = run(['faults', 'add', '--path', '/enterprises/*/actions/runners', '--status', '503', '--times', '1']);
    assert.equal(added.status, 0, added.stderr);
    const id = added.stdout.trim();
    assert.match(id, /^\d+$/);
    assert.equal((await runners()).status, 503);
    assert.equal((await runners()).status, 200);
    const listed = JSON.parse(run(['faults', 'list']).stdout) as Array<{ id: number; fired: number }>;
    assert.deepEqual(
      listed.map((r) => [r.id, r.fired]),
      [[Number(id), 1]],
    );
    assert.equal(run(['faults', 'delete', id]).status, 0);
    assert.deepEqual(JSON.parse(run(['faults', 'list']).stdout), []);
    const invalid = run(['faults', 'add', '--path', 'no-slash', '--status', '500']);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /422 Validation Failed: path must start with \//);
  });

  it('snapshot save|list|restore|delete', async () => {
    const saved = run(['snapshot', 'save', 'base']);
    assert.equal(saved.status, 0, saved.stderr);
    assert.match(saved.stdout, /^saved base: \d+ rows in \d+ tables\n$/);
    assert.match(run(['snapshot', 'list']).stdout, /^base\t\S+\t\d+ rows\n$/);
    const list = (await (await runners()).json()) as { runners: Array<{ id: number }> };
    const victim = list.runners[0]?.id;
    assert.equal((await fetch(`${url}/enterprises/acme/actions/runners/${String(victim)}`, { method: 'DELETE', headers: { authorization: `Bearer ${owner}` } })).status, 204);
    assert.equal(((await (await runners()).json()) as { total_count: number }).total_count, 3);
    const restored = run(['snapshot', 'restore', 'base']);
    assert.equal(restored.status, 0, restored.stderr);
    assert.match(restored.stdout, /^restored base in \d+ ms\n$/);
    assert.equal(((await (await runners()).json()) as { total_count: number }).total_count, 4);
    assert.equal(run(['snapshot', 'delete', 'base']).status, 0);
    const missing = run(['snapshot', 'restore', 'base']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /404 Not Found/);
  });

  it('requests tail follows the live stream, one line per request; requests list shows the recent ones', async () => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'requests', 'tail', '--tenant', 'acme', '--count', '1'], { env: { ...cliEnv(), GATEHOUSE_URL: url, GATEHOUSE_TOKEN: admin } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Until the stream is subscribed, requests are not streamed: keep making them until one comes through.
    let code: number | null | undefined;
    for (let i = 0; i < 100 && code === undefined; i += 1) {
      await fetch(`${url}/user`, { headers: { authorization: `Bearer ${owner}` } }); // not acme: filtered out
      await runners();
      code = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100))]);
    }
    assert.equal(code, 0);
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 1, out);
    assert.match(lines[0] ?? '', /^\S+Z GET +200 +\d+\.\dms \/enterprises\/acme\/actions\/runners tenant=acme user=mona client=node$/);

    const listed = run(['requests', 'list', '--limit', '2', '--path-prefix', '/user']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout.trim().split('\n').length, 2);
    assert.match(listed.stdout, /GET +200 .*\/user user=mona/);
  });

  it('reset --demo prints the new demo tokens, and the caller’s token still works', async () => {
    const reset = run(['reset', '--demo', '--all']);
    assert.equal(reset.status, 0, reset.stderr);
    const mona = /^mona\t(\S+)$/m.exec(reset.stdout)?.[1];
    assert.ok(mona !== undefined, reset.stdout);
    assert.equal((await runners(mona)).status, 200);
    assert.equal((await runners(owner)).status, 401, 'the old demo token is gone');
    assert.equal(run(['clock']).status, 0);
  });

  it('clock: shows, advances (15d), sets and returns to real time (last: moving the clock 15 days removes the demo runners)', () => {
    const shown = run(['clock']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^\d{4}-\d{2}-\d{2}T\S+Z offset 0 ms\n$/);
    const before = Date.parse(shown.stdout.split(' ')[0] ?? '');
    const advanced = run(['clock', 'advance', '15d']);
    assert.equal(advanced.status, 0, advanced.stderr);
    const now = Date.parse(advanced.stdout.split(' ')[0] ?? '');
    assert.ok(Math.abs(now - before - 15 * DAY) < 60_000, advanced.stdout);
    assert.equal(run(['clock', 'set', '2030-01-01T00:00:00Z', '--freeze']).stdout.split(' ')[0], '2030-01-01T00:00:00.000Z');
    assert.match(run(['clock', 'real']).stdout, / offset 0 ms\n$/);
    const bad = run(['clock', 'advance', 'soon']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /not a duration/);
  });

  it('needs a site administrator token, and says so', () => {
    const none = run(['clock'], { GATEHOUSE_TOKEN: '' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /--token or GATEHOUSE_TOKEN/);
    const notAdmin = run(['clock', '--token', owner]);
    assert.equal(notAdmin.status, 1);
    assert.match(notAdmin.stderr, /404 Not Found.*site_admin/);
    const unreachable = run(['clock', '--url', 'http://127.0.0.1:1']);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /cannot reach/);
  });
});

describe('gatehouse serve without test controls', () => {
  for (const [label, args, env] of [
    ['--no-test-controls', ['--no-test-controls'], {}],
    ['GATEHOUSE_TEST_CONTROLS=0', [], { GATEHOUSE_TEST_CONTROLS: '0' }],
  ] as const) {
    it(`answers 404 on every /_gatehouse/api path with ${label}`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-no-controls-'));
      const previous = process.env.GATEHOUSE_TEST_CONTROLS;
      if ('GATEHOUSE_TEST_CONTROLS' in env) process.env.GATEHOUSE_TEST_CONTROLS = env.GATEHOUSE_TEST_CONTROLS;
      let served: ServedCli | undefined;
      try {
        served = await startServe(path.join(dir, 'data'), 'Try it:', args);
        const admin = /site administrator token:\s+(\S+)/.exec(served.out)?.[1] ?? '';
        for (const p of ['/_gatehouse/api/clock', '/_gatehouse/api/requests', '/_gatehouse/api/faults', '/_gatehouse/api/snapshots']) {
          const res: Response = await fetch(`http://127.0.0.1:${served.port}${p}`, { headers: { authorization: `Bearer ${admin}` } });
          assert.equal(res.status, 404, p);
        }
        assert.equal((await fetch(`http://127.0.0.1:${served.port}/user`, { headers: { authorization: `Bearer ${admin}` } })).status, 200);
      } finally {
        if (previous === undefined) delete process.env.GATEHOUSE_TEST_CONTROLS;
        else process.env.GATEHOUSE_TEST_CONTROLS = previous;
        served?.server.kill('SIGTERM');
        await served?.exited;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
