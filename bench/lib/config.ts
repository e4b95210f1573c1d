/**
 * Bench settings, read once from the environment by `bench/run.ts` (the only place the bench reads `process.env`
 * besides the child servers, which receive everything through their start message).
 */
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export interface BenchConfig {
  /** Seconds of measured load per scenario (BENCH_DURATION, default 10; `BENCH_DURATION=2` is the smoke mode). */
  readonly duration: number;
  /** Seconds of unmeasured load before each measurement so the server is JIT-warm (BENCH_WARMUP). */
  readonly warmup: number;
  /** Attempts per repeatable scenario, best reported (BENCH_REPEAT, default 1): for a machine shared with other work. */
  readonly repeat: number;
  /** Concurrent connections (BENCH_CONNECTIONS, default 50). */
  readonly connections: number;
  /** When set, the suite also runs on a fresh database created on this PostgreSQL server and dropped afterwards. */
  readonly databaseUrl: string | undefined;
  /** Only scenarios whose id starts with one of these prefixes (BENCH_ONLY=runners.get,runners.list). */
  readonly only: readonly string[];
  /** Skip the SQLite run (BENCH_SKIP_SQLITE=1), e.g. to look at PostgreSQL alone. */
  readonly skipSqlite: boolean;
  /**
   * Pin the load generator and the server child to different cores with `taskset` (BENCH_PIN, default on when the
   * machine has at least 2 cores and taskset exists). On the 2-core reference machine this gives each side one core.
   */
  readonly pin: boolean;
  /** Write a V8 CPU profile of every Gatehouse child into `.bench/profiles/` (BENCH_PROFILE=1). */
  readonly profile: boolean;
  /** Where results.json and profiles go. */
  readonly outDir: string;
}

function numberFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${value}`);
  return n;
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return /^(1|true|yes|on)$/i.test(value);
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function loadBenchConfig(env: NodeJS.ProcessEnv, root: string): BenchConfig {
  const duration = numberFrom('BENCH_DURATION', env.BENCH_DURATION, 10);
  const databaseUrl = env.BENCH_DATABASE_URL;
  if (databaseUrl !== undefined && databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(`BENCH_DATABASE_URL must be a postgres:// URL, got ${databaseUrl}`);
  }
  return {
    duration,
    warmup: numberFrom('BENCH_WARMUP', env.BENCH_WARMUP, Math.min(3, Math.max(1, Math.round(duration / 4)))),
    repeat: Math.round(numberFrom('BENCH_REPEAT', env.BENCH_REPEAT, 1)),
    connections: Math.round(numberFrom('BENCH_CONNECTIONS', env.BENCH_CONNECTIONS, 50)),
    databaseUrl: databaseUrl === '' ? undefined : databaseUrl,
    only: (env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    skipSqlite: flag(env.BENCH_SKIP_SQLITE) ?? false,
    pin: flag(env.BENCH_PIN) ?? (os.availableParallelism() >= 2 && hasTaskset()),
    profile: flag(env.BENCH_PROFILE) ?? false,
    outDir: path.join(root, '.bench'),
  };
}
