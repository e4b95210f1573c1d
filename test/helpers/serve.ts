/**
 * `gatehouse serve` as a child process, the way a user starts it: on a data directory of the test's (never the
 * environment's DATABASE_URL or GATEHOUSE_DATA), on a free loopback port, resolved once it has printed `until`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './app.ts';

export const GATEHOUSE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'gatehouse.mjs');

/** The environment the CLI runs with in tests: the store comes from `--data` alone. */
export function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.GATEHOUSE_DATA;
  return env;
}

export interface ServedCli {
  server: ChildProcessWithoutNullStreams;
  port: number;
  /** What the server printed on stdout up to and including `until`. */
  out: string;
  /** The exit code, once it exits. */
  exited: Promise<number | null>;
}

export async function startServe(dataDir: string, until: string, extraArgs: readonly string[] = []): Promise<ServedCli> {
  const port = await freePort();
  const server = spawn(process.execPath, [GATEHOUSE_BIN, 'serve', '--data', dataDir, '--port', String(port), '--log-level', 'warn', ...extraArgs], { env: cliEnv() });
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  try {
    const out = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes(until)) resolve(text);
      });
      void exited.then((code) => reject(new Error(`serve exited ${String(code)} before printing "${until}": ${text}`)));
    });
    return { server, port, out, exited };
  } catch (error) {
    server.kill('SIGKILL');
    throw error;
  }
}
