/**
 * Server children: every server under test runs in its own process so it never shares an event loop (or, with
 * pinning, a core) with the load generator. Protocol over the IPC channel:
 *   parent → child `{type: 'start', payload}`; child → parent `{type: 'ready', port, info}`;
 *   parent → child `{type: 'usage'}`; child → parent `{type: 'usage', userUs, systemUs, rssBytes}`;
 *   parent → child `{type: 'stop'}`; the child closes its server and exits (so `--cpu-prof` gets written).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerHandle, ServerUsage } from './types.ts';

const SERVERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'servers');

export interface ChildOptions {
  /** Module file name under `bench/servers/`, or an absolute path (another checkout's, for bench/tools/ab.ts). */
  module: string;
  payload: unknown;
  /** Core to pin the child (all its threads) to, or undefined for no pinning. */
  core?: number | undefined;
  /** Extra node flags, e.g. `--cpu-prof`. */
  execArgv?: readonly string[];
  /** Prefix for the child's forwarded output lines. */
  label: string;
  startTimeoutMs?: number;
}

interface ReadyMessage {
  type: 'ready';
  port: number;
  info?: Record<string, unknown>;
}

function isReady(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready';
}

function isUsage(message: unknown): message is ServerUsage & { type: 'usage' } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'usage';
}

/** Pins every thread of `pid` to `core` (threads started later inherit from the main thread). */
export function pinProcess(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

function forward(child: ChildProcess, label: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() !== '') process.stderr.write(`  [${label}] ${line}\n`);
    });
  }
}

export async function startChild(options: ChildOptions): Promise<ServerHandle> {
  const child = fork(path.isAbsolute(options.module) ? options.module : path.join(SERVERS_DIR, options.module), [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  forward(child, options.label);
  const exited = once(child, 'exit');

  const ready = new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.label}: not ready after ${options.startTimeoutMs ?? 60_000} ms`)), options.startTimeoutMs ?? 60_000);
    child.on('message', (message) => {
      if (isReady(message)) {
        clearTimeout(timer);
        resolve(message);
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`${options.label}: exited with code ${String(code)} before it was ready`));
    });
  });
  child.send({ type: 'start', payload: options.payload });
  let message: ReadyMessage;
  try {
    message = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (options.core !== undefined && child.pid !== undefined) pinProcess(child.pid, options.core);

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${message.port}`,
    pid: child.pid ?? -1,
    info: message.info ?? {},
    usage() {
      return new Promise<ServerUsage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.label}: no usage reply`)), 5_000);
        const onMessage = (reply: unknown): void => {
          if (!isUsage(reply)) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve({ userUs: reply.userUs, systemUs: reply.systemUs, rssBytes: reply.rssBytes });
        };
        child.on('message', onMessage);
        child.send({ type: 'usage' });
      });
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.send({ type: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

/** A loopback port free right now, for a child that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
