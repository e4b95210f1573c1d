/**
 * Gatehouse as an installed server (issue 10): the compiled build runs on its own, `--version`, `--help` on every
 * command, the LICENSE, the log format (readable on a terminal, JSON otherwise, or as set), and the README's ways to
 * run it under a supervisor, started exactly as written, stopping cleanly on SIGTERM with nothing left listening.
 * (Packing, installing the tarball without development dependencies on Node 20, 22 and 24, and the start-up time are
 * checked by .ci/package-check, which is too slow for the suite: each install builds better-sqlite3.)
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from './helpers/app.ts';
import { cliEnv } from './helpers/serve.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; files: string[] };
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Resolves true when something accepts connections on the port, false when the connection is refused. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Started {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  /** Everything printed on stdout so far. */
  out(): string;
  err(): string;
}

/** Spawns and resolves once stdout contains `until`; rejects (and kills) if the process exits first. */
async function startUntil(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }, until: string): Promise<Started> {
  const child = spawn(command, args, { env: options.env, cwd: options.cwd });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${until}" within 60 s: ${out} ${err}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(until)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${String(code)} before printing "${until}": ${out} ${err}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, exited, out: () => out, err: () => err };
}

/** Waits for `predicate(output)` on a started process, polling its output. */
async function waitForOutput(started: Started, predicate: (out: string) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!predicate(started.out())) {
    if (Date.now() > deadline) throw new Error(`output never matched: ${started.out()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The fenced block of `language` in the README section titled `heading`. */
function readmeBlock(heading: string, language: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has a section "${heading}"`);
  const section = README.slice(start + 1, README.indexOf('\n## ', start + 1));
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section);
  assert.ok(match?.[1] !== undefined, `README section "${heading}" has a ${language} block`);
  return match[1];
}

describe('gatehouse as an installed server', () => {
  let dir: string;
  /** A copy of the package's shape built with `npm run build`'s configuration: bin/, dist/, web/, package.json, no sources. */
  let built: string;
  let builtBin: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-package-'));
    built = path.join(dir, 'package');
    fs.mkdirSync(path.join(built, 'bin'), { recursive: true });
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(built, 'dist')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    fs.copyFileSync(path.join(ROOT, 'bin', 'gatehouse.mjs'), path.join(built, 'bin', 'gatehouse.mjs'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(built, 'package.json'));
    // The console's page and scripts ship as they are (no build step).
    fs.cpSync(path.join(ROOT, 'web'), path.join(built, 'web'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(built, 'node_modules'));
    builtBin = path.join(built, 'bin', 'gatehouse.mjs');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function runBuilt(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv()): { status: number | null; stdout: string; stderr: string } {
    const res = spawnSync(process.execPath, [builtBin, ...args], { encoding: 'utf8', env, timeout: 60_000 });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  }

  it('the compiled build holds no TypeScript and runs without it: --version, and serve answers a request', async () => {
    const files = fs.readdirSync(path.join(built, 'dist'), { recursive: true }).map(String);
    assert.ok(files.includes(path.join('cli', 'main.js')) && files.includes(path.join('storage', 'migrations', '0001-foundation.js')));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.ts')),
      [],
    );
    // Relative imports were rewritten from .ts to .js.
    assert.doesNotMatch(fs.readFileSync(path.join(built, 'dist', 'app.js'), 'utf8'), /from '\.[^']*\.ts'/);
    assert.deepEqual(pkg.files.sort(), ['bin/gatehouse.mjs', 'dist/', 'web/']);

    for (const flag of ['--version', '-V']) {
      const res = runBuilt([flag]);
      assert.equal(res.status, 0, res.stderr);
      assert.equal(res.stdout, `${pkg.version}\n`);
    }
    // The source checkout's bin prints the same.
    const fromSource = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'gatehouse.mjs'), '--version'], { encoding: 'utf8', env: cliEnv() });
    assert.equal(fromSource.stdout, `${pkg.version}\n`);

    const port = await freePort();
    const data = path.join(dir, 'built-store');
    const server = await startUntil(process.execPath, [builtBin, 'serve', '--data', data, '--port', String(port), '--log-level', 'warn'], { env: cliEnv() }, 'curl ');
    try {
      const token = /Bearer (\S+)"/.exec(server.out())?.[1];
      const res = await fetch(`http://127.0.0.1:${port}/user`, { headers: { authorization: `Bearer ${token ?? ''}` } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { login: string }).login, 'mona');
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
    assert.equal(await listening(port), false);
  });

  it('the LICENSE is MIT, copyright The Gatehouse authors, 2026', () => {
    const license = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 The Gatehouse authors\n/);
    assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
    assert.equal(pkg.license, 'MIT');
  });

  it('--help works on every command and subcommand', () => {
    const seen: string[] = [];
    const walk = (command: readonly string[]): void => {
      const res = runBuilt([...command, '--help']);
      assert.equal(res.status, 0, `${command.join(' ')} --help: ${res.stderr}`);
      assert.equal(res.stderr, '');
      assert.match(res.stdout, new RegExp(`^Usage: ${['gatehouse', ...command].join(' ')}\\b`), command.join(' '));
      assert.match(res.stdout, /-h, --help\s+display help for command/);
      seen.push(command.join(' '));
      const commands = res.stdout.split('\nCommands:\n')[1];
      if (commands === undefined) return;
      for (const line of commands.split('\n')) {
        const name = /^ {2}([a-z][\w-]*)/.exec(line)?.[1];
        if (name !== undefined && name !== 'help') walk([...command, name]);
      }
    };
    walk([]);
    for (const expected of ['', 'serve', 'migrate', 'user create', 'enterprise create', 'org create', 'token create', 'runner register', 'usage import', 'team create', 'seed']) {
      assert.ok(seen.includes(expected), `walked "${expected}" (walked: ${seen.join(', ')})`);
    }
  });

  describe('log format', () => {
    /** Starts the built server with request lines on (debug), answers one request, stops it, returns its stdout. */
    async function logsOf(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv()): Promise<{ out: string; requestId: string | null }> {
      const port = await freePort();
      const data = path.join(dir, `logs-${port}`);
      const server = await startUntil(process.execPath, [builtBin, 'serve', '--data', data, '--port', String(port), '--no-demo', '--log-level', 'debug', ...args], { env }, 'Gatehouse listening');
      const res = await fetch(`http://127.0.0.1:${port}/user`);
      assert.equal(res.status, 401);
      // The request's line (at debug, with its status): whatever its message, it ends with the 401.
      await waitForOutput(server, (out) => /\b401\b/.test(out));
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      return { out: server.out(), requestId: res.headers.get('x-github-request-id') };
    }

    const jsonLines = (out: string): Array<Record<string, unknown>> =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);

    it('is one JSON object per line when stdout is not a terminal', async () => {
      const { out } = await logsOf([]);
      const entries = jsonLines(out);
      const lines = out.split('\n').filter((line) => line !== '' && !line.startsWith('Gatehouse listening'));
      assert.equal(entries.length, lines.length, out);
      // The server's own line on SIGTERM (the start prints only the banner).
      const stopping = entries.find((e) => e.msg === 'shutting down');
      assert.ok(stopping !== undefined && typeof stopping.level === 'number' && typeof stopping.time === 'number', out);
      const requestLine = entries.find((e) => /"statusCode":401\b/.test(JSON.stringify(e)));
      assert.ok(requestLine !== undefined, out);
      assert.ok(Object.keys(requestLine).some((key) => /req.*id/i.test(key)), 'a request line carries the request id');
    });

    it('is one readable line per entry with --log-format pretty or GATEHOUSE_LOG_FORMAT=pretty; the flag wins over the environment', async () => {
      for (const [args, env] of [
        [['--log-format', 'pretty'], cliEnv()],
        [[], { ...cliEnv(), GATEHOUSE_LOG_FORMAT: 'pretty' }],
      ] as const) {
        const { out } = await logsOf(args, env);
        const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
        assert.deepEqual(jsonLines(plain), []);
        assert.match(plain, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: shutting down \{"signal":"SIGTERM".*\}$/m);
        // The request's line: its fields, the request id among them, on the same line.
        assert.match(plain, /^\[[^\]]+\] \w+: .*\{.*"statusCode":401.*\}$/m);
        assert.match(plain, /^\[[^\]]+\] \w+: .*\{.*"req\w*id":/im);
      }
      const { out } = await logsOf(['--log-format', 'json'], { ...cliEnv(), GATEHOUSE_LOG_FORMAT: 'pretty' });
      assert.ok(jsonLines(out).some((e) => /"statusCode":401\b/.test(JSON.stringify(e))));
    });

    it('is readable lines by default on a terminal', { skip: hasScript() ? false : 'no `script` (util-linux) to give the server a terminal' }, async () => {
      const port = await freePort();
      const data = path.join(dir, 'logs-tty');
      const command = [process.execPath, builtBin, 'serve', '--data', data, '--port', String(port), '--no-demo', '--log-level', 'debug'].map((a) => `'${a}'`).join(' ');
      const server = await startUntil('script', ['-qec', `exec ${command}`, '/dev/null'], { env: cliEnv() }, 'Gatehouse listening');
      try {
        // A request's lines (the start prints only the banner; request lines are written at debug).
        await globalThis.fetch(`http://127.0.0.1:${port}/user`);
        await waitForOutput(server, (out) => out.includes('request completed'));
        const plain = server.out().replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
        assert.match(plain, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] DEBUG: request completed \{.*"statusCode":401.*\}$/m);
        assert.deepEqual(jsonLines(plain), []);
        // On a terminal the level is coloured.
        assert.match(server.out(), /\u001b\[\d+mDEBUG/);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      // script(1) ends its child; nothing is left listening.
      for (let i = 0; i < 100 && (await listening(port)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await listening(port), false);
    });

    it('refuses an unknown format, from the flag or the environment', () => {
      const data = path.join(dir, 'logs-bad');
      const flag = runBuilt(['serve', '--data', data, '--port', '0', '--log-format', 'xml']);
      assert.notEqual(flag.status, 0);
      assert.match(flag.stderr, /xml/);
      const env = runBuilt(['serve', '--data', data, '--port', '0'], { ...cliEnv(), GATEHOUSE_LOG_FORMAT: 'xml' });
      assert.notEqual(env.status, 0);
      assert.match(env.stderr, /xml/);
      assert.equal(fs.existsSync(data), false, 'nothing was created');
    });
  });

  describe('under a supervisor, as the README shows', () => {
    /** A store with a user and a token, made with the CLI, and the token. */
    function storeWithToken(name: string): { data: string; token: string } {
      const data = path.join(dir, name);
      assert.equal(runBuilt(['user', 'create', '--login', 'ops', '--data', data]).status, 0);
      const token = runBuilt(['token', 'create', '--login', 'ops', '--scopes', 'read:org', '--data', data]);
      assert.equal(token.status, 0, token.stderr);
      return { data, token: token.stdout.trim() };
    }

    /** Waits until the server answers `GET /user` with 200, sends SIGTERM, and checks the exit and the port. */
    async function answerThenSigterm(server: Started, port: number, token: string): Promise<void> {
      try {
        await waitForOutput(server, (out) => out.includes('Gatehouse listening'));
        const res = await fetch(`http://127.0.0.1:${port}/user`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { login: string }).login, 'ops');
      } catch (error) {
        server.child.kill('SIGKILL');
        throw error;
      }
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.err());
      assert.equal(await listening(port), false, 'nothing is left listening');
      assert.throws(() => process.kill(server.child.pid ?? 0, 0), /ESRCH/, 'the process is gone');
    }

    it('the exec script: the server replaces the shell, so SIGTERM stops it cleanly', async () => {
      const script = readmeBlock('Running under a supervisor', 'sh');
      assert.match(script, /^exec node bin\/gatehouse\.mjs serve/m);
      // Installed in this checkout instead of /opt/gatehouse; configured through the environment, as the unit does.
      const file = path.join(dir, 'run');
      fs.writeFileSync(file, script.replaceAll('/opt/gatehouse', ROOT), { mode: 0o755 });
      const { data, token } = storeWithToken('supervised-script');
      const port = await freePort();
      const server = await startUntil('sh', [file], { env: { ...cliEnv(), GATEHOUSE_DATA: data, PORT: String(port) } }, 'Gatehouse listening');
      // exec: the shell's process is now node's.
      assert.match(fs.readFileSync(`/proc/${server.child.pid ?? 0}/cmdline`, 'utf8'), /node\0.*bin\/gatehouse\.mjs\0serve/);
      await answerThenSigterm(server, port, token);
    });

    it('the systemd unit: ExecStart in WorkingDirectory with its Environment, stopped with SIGTERM (KillSignal)', async () => {
      const unit = readmeBlock('Running under a supervisor', 'ini');
      const setting = (key: string): string => {
        const value = new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
        assert.ok(value !== undefined, `the unit sets ${key}`);
        return value;
      };
      assert.doesNotMatch(unit, /^KillSignal=/m, 'the default KillSignal, SIGTERM');
      const [executable, ...args] = setting('ExecStart').split(' ');
      assert.ok(executable !== undefined && path.isAbsolute(executable));
      const environment = Object.fromEntries(setting('Environment').split(' ').map((pair) => pair.split('=') as [string, string]));
      const { data, token } = storeWithToken('supervised-unit');
      const port = await freePort();
      // The unit's environment, with this test's store and port instead of /var/lib/gatehouse and 3000.
      const env = { ...cliEnv(), ...environment, GATEHOUSE_DATA: data, PORT: String(port) };
      // The unit names the machine's node; the test runs the one it runs on (its native modules are built for it).
      assert.equal(path.basename(executable), 'node');
      const server = await startUntil(process.execPath, args, { env, cwd: setting('WorkingDirectory').replace('/opt/gatehouse', ROOT) }, 'Gatehouse listening');
      await answerThenSigterm(server, port, token);
    });
  });
});
