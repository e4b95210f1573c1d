/**
 * The README against the code it describes, so the two cannot drift apart: the octokit snippet of "Pointing clients
 * at it" runs as written against a test server; the commands of "The command line" are exactly the CLI's; its seed
 * example is a valid seed; and the defaults of the "Configuration" table are the ones `gatehouse serve --help` shows.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { systemClock } from '../src/domain/context.ts';
import { demoSeed } from '../src/domain/seed/demo.ts';
import { applySeed } from '../src/domain/seed/seed.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { GATEHOUSE_BIN, cliEnv } from './helpers/serve.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The text of a `## heading` section, up to the next `## `. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has a "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The fenced blocks of a language in a text. */
function fenced(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');
}

async function gatehouse(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [GATEHOUSE_BIN, ...args], { env: cliEnv(), timeout: 60_000 });
  return stdout;
}

/** The names listed under `Commands:` in a help text, with whether they take options (a leaf) or not (a group). */
function commandsOf(help: string): Array<{ name: string; leaf: boolean }> {
  const start = help.indexOf('\nCommands:\n');
  if (start < 0) return [];
  return help
    .slice(start + '\nCommands:\n'.length)
    .split('\n')
    .flatMap((line) => {
      const m = /^ {2}(\S+)( \[options\])?/.exec(line);
      return m?.[1] === undefined || m[1] === 'help' ? [] : [{ name: m[1], leaf: m[2] !== undefined || /^ {2}\S+ </.test(line) }];
    });
}

describe('README', () => {
  let t: TestApp;
  let token: string;
  let scratch: string;

  before(async () => {
    t = await startTestApp();
    const seeded = await applySeed({ ...t.ctx, clock: systemClock }, demoSeed(systemClock.now()));
    token = seeded.tokens[0]?.token ?? '';
    // A folder outside the repository whose node_modules is the repository's, so the snippet's imports resolve.
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-readme-'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
  });
  after(async () => {
    await t.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('the octokit snippet runs as written', async () => {
    const [snippet, ...others] = fenced(section('Pointing clients at it'), 'js');
    assert.equal(others.length, 0, 'one js block');
    assert.ok(snippet !== undefined);
    // The one change: the base URL the snippet names is the test server's.
    const base = "'http://127.0.0.1:3000'";
    assert.equal(snippet.split(base).length, 2, `the snippet names ${base} once`);
    const file = path.join(scratch, 'snippet.mjs');
    fs.writeFileSync(file, snippet.replace(base, JSON.stringify(t.url)));
    const { stdout, stderr } = await run(process.execPath, [file], { env: { ...process.env, TOKEN: token }, cwd: scratch, timeout: 60_000 });
    assert.equal(stderr, '');
    const listed = await t.request<{ runners: Array<{ name: string; status: string }> }>('GET', '/enterprises/acme/actions/runners', { token });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.runners.length > 0);
    assert.equal(stdout, listed.body.runners.map((r) => `${r.name} ${r.status}\n`).join(''));
  });

  it('lists every command of the CLI, and only those', async () => {
    const listed = new Set<string>();
    // The store commands are listed under "The command line", the commands that steer a running server under "Test controls".
    for (const block of [...fenced(section('The command line'), 'sh'), ...fenced(section('Test controls'), 'sh')]) {
      for (const m of block.matchAll(/npx gatehouse ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)/g)) listed.add(m[1] ?? '');
    }
    const actual = new Set<string>();
    for (const top of commandsOf(await gatehouse('--help'))) {
      if (top.leaf) actual.add(top.name);
      else for (const sub of commandsOf(await gatehouse(top.name, '--help'))) actual.add(`${top.name} ${sub.name}`);
    }
    // A README line `npx gatehouse migrate` is the command `migrate`; `npx gatehouse user create` is `user create`.
    const normalised = new Set([...listed].map((c) => (actual.has(c) ? c : (c.split(' ')[0] ?? c))));
    assert.deepEqual([...normalised].sort(), [...actual].sort());
  });

  it("the seed example is a valid seed, applied as the README says", async () => {
    const [example] = fenced(section('The command line'), 'yaml');
    assert.ok(example !== undefined);
    const result = await applySeed({ ...t.ctx, clock: systemClock }, YAML.parse(example));
    assert.deepEqual(result.enterprises, ['octo-corp']);
    const again = await applySeed({ ...t.ctx, clock: systemClock }, YAML.parse(example));
    assert.ok(Object.values(again.counts).every((c) => c.created === 0), 'applied again, nothing is created');
  });

  it('gives the defaults `gatehouse serve --help` shows', async () => {
    const help = await gatehouse('serve', '--help');
    // One entry per option: its line and the indented lines that continue it, whitespace collapsed.
    const entries = new Map<string, string>();
    let current: string | undefined;
    for (const line of help.split('\n')) {
      const m = /^ {2}(--[a-z-]+)/.exec(line);
      if (m?.[1] !== undefined) current = m[1];
      else if (!/^ {4}/.test(line)) current = undefined;
      if (current !== undefined) entries.set(current, `${entries.get(current) ?? ''} ${line.trim()}`);
    }
    const rows = section('Configuration')
      .split('\n')
      .flatMap((line) => {
        const m = /^\| `(--[a-z-]+)` \| [^|]* \| ([^|]+) \|/.exec(line);
        return m?.[1] === undefined || m[2] === undefined ? [] : [{ flag: m[1], readmeDefault: m[2].trim().replace(/`/g, '') }];
      });
    assert.ok(rows.length >= 7, 'the table lists the flags');
    for (const { flag, readmeDefault } of rows) {
      const entry = entries.get(flag);
      assert.ok(entry !== undefined, `serve --help shows ${flag}`);
      const shown = /default: ("[^"]*"|[^,)]*)/.exec(entry)?.[1]?.replace(/"/g, '');
      if (readmeDefault === '—') assert.equal(shown, undefined, `${flag} has no default`);
      else assert.equal(shown, readmeDefault, `${flag}: ${entry}`);
    }
  });
});
