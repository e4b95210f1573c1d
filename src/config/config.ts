/**
 * Gatehouse configuration: one typed object, built from flags and the environment by `loadConfig`.
 * Only `main.ts` and the CLI call `loadConfig`; everything else receives a `Config`.
 */
import path from 'node:path';

export type StorageConfig =
  | { readonly kind: 'sqlite'; readonly filename: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Base of every `url`/`location` field, without a trailing slash (e.g. `https://gh.example.com/api/v3`). */
  readonly publicUrl: string;
  readonly storage: StorageConfig;
  readonly logLevel: string;
  /** `pretty`: one human-readable line per entry (pino-pretty); `json`: one JSON object per line (pino's own). */
  readonly logFormat: LogFormat;
  /** Slug of the enterprise served at the instance-level SCIM paths (`/scim/v2/Users`); undefined = first managed enterprise. */
  readonly instanceEnterprise: string | undefined;
  /** Requests per hour per token; 0 turns enforcement off (GHES default) while the headers are still sent. */
  readonly rateLimitPerHour: number;
  /** Seconds without a heartbeat after which a runner is reported `offline`. */
  readonly runnerOfflineAfterSeconds: number;
  /** Days without contact after which a self-hosted runner is removed (GitHub: 14); 0 = never. */
  readonly runnerRetentionDays: number;
  /** Days without contact after which an ephemeral runner is removed (GitHub: 1); 0 = never. */
  readonly ephemeralRunnerRetentionDays: number;
  /** Runner application version offered by `…/actions/runners/downloads`. */
  readonly runnerVersion: string;
  /** Reject what GitHub's reference rejects, rather than what real identity providers send (idp-quirks.md §9). */
  readonly strictScim: boolean;
  /** SQLite: cache the per-request lookups (token, enterprise and role, runner) until the store changes. */
  readonly readCache: boolean;
  /** On close (SIGTERM, SIGINT): how long requests in flight may run before their connections are destroyed. */
  readonly shutdownGraceMs: number;
  /** Bearer token `GET /_gatehouse/metrics` requires; undefined = the metrics are open to anyone who can reach them. */
  readonly metricsToken: string | undefined;
  /** The test controls under `/_gatehouse/api` (journal, faults, reset and snapshots, clock); off for shared or production use. */
  readonly testControls: boolean;
  /** Requests the journal keeps (a ring buffer per process). */
  readonly journalSize: number;
}

export type LogFormat = 'pretty' | 'json';

export interface ConfigFlags {
  host?: string | undefined;
  port?: string | number | undefined;
  data?: string | undefined;
  databaseUrl?: string | undefined;
  publicUrl?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
  instanceEnterprise?: string | undefined;
  /** `--no-test-controls` sets this false; true (commander's default) defers to GATEHOUSE_TEST_CONTROLS. */
  testControls?: boolean | undefined;
}

export class ConfigError extends Error {}

const DEFAULT_RUNNER_VERSION = '2.329.0';

/** Defaults of the flags `serve` takes, shared with the CLI's `--help`. */
export const DEFAULTS = { host: '127.0.0.1', port: 3000, data: './data', logLevel: 'info' } as const;

/** pino's levels, most to least severe, then `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function parsePort(value: string | number): number {
  const port = typeof value === 'number' ? value : Number(value);
  if ((typeof value === 'string' && value.trim() === '') || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`invalid port "${String(value)}" (--port or PORT): expected a whole number from 0 to 65535`);
  }
  return port;
}

function parseLogLevel(value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`invalid log level "${value}" (--log-level or LOG_LEVEL): expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return value;
}

function parseNonNegativeInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got ${value}`);
  return n;
}

/** Storage from `--database-url`/`DATABASE_URL` (postgres://… selects PostgreSQL) or `--data`/`GATEHOUSE_DATA`. */
export function resolveStorage(flags: ConfigFlags, env: NodeJS.ProcessEnv): StorageConfig {
  const url = flags.databaseUrl ?? env.DATABASE_URL;
  if (url !== undefined && url !== '') {
    if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
    if (url.startsWith('sqlite:')) return { kind: 'sqlite', filename: url.slice('sqlite:'.length) || ':memory:' };
    throw new ConfigError(`unsupported database URL (expected postgres://… or sqlite:FILE): ${url}`);
  }
  const dir = flags.data ?? env.GATEHOUSE_DATA ?? DEFAULTS.data;
  if (dir === ':memory:') return { kind: 'sqlite', filename: ':memory:' };
  return { kind: 'sqlite', filename: path.resolve(dir, 'gatehouse.db') };
}

/** `--log-format` / GATEHOUSE_LOG_FORMAT; by default pretty on a terminal and JSON otherwise (files, pipes, journald). */
function parseLogFormat(value: string | undefined, stdoutIsTty: boolean): LogFormat {
  if (value === undefined || value === '') return stdoutIsTty ? 'pretty' : 'json';
  if (value === 'pretty' || value === 'json') return value;
  throw new ConfigError(`invalid log format: ${value} (expected pretty or json)`);
}

/** Builds the configuration; flags win over the environment, which wins over defaults. */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env, stdoutIsTty: boolean = process.stdout.isTTY === true): Config {
  const host = flags.host ?? env.HOST ?? DEFAULTS.host;
  const port = parsePort(flags.port ?? env.PORT ?? DEFAULTS.port);
  const publicUrlRaw = flags.publicUrl ?? env.GATEHOUSE_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let publicUrl: string;
  try {
    publicUrl = new URL(publicUrlRaw).toString().replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`invalid public URL "${publicUrlRaw}" (--public-url or GATEHOUSE_PUBLIC_URL): expected an absolute URL such as https://gh.example.com/api/v3`);
  }
  const runnerVersion = env.GATEHOUSE_RUNNER_VERSION ?? DEFAULT_RUNNER_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(runnerVersion)) throw new ConfigError(`GATEHOUSE_RUNNER_VERSION must look like 2.329.0`);
  return {
    host,
    port,
    publicUrl,
    storage: resolveStorage(flags, env),
    logLevel: parseLogLevel(flags.logLevel ?? env.LOG_LEVEL ?? DEFAULTS.logLevel),
    logFormat: parseLogFormat(flags.logFormat ?? env.GATEHOUSE_LOG_FORMAT, stdoutIsTty),
    instanceEnterprise: flags.instanceEnterprise ?? env.GATEHOUSE_INSTANCE_ENTERPRISE ?? undefined,
    rateLimitPerHour: parseNonNegativeInt('GATEHOUSE_RATE_LIMIT', env.GATEHOUSE_RATE_LIMIT, 0),
    runnerOfflineAfterSeconds: parseNonNegativeInt('GATEHOUSE_RUNNER_OFFLINE_AFTER', env.GATEHOUSE_RUNNER_OFFLINE_AFTER, 90),
    runnerRetentionDays: parseNonNegativeInt('GATEHOUSE_RUNNER_RETENTION_DAYS', env.GATEHOUSE_RUNNER_RETENTION_DAYS, 14),
    ephemeralRunnerRetentionDays: parseNonNegativeInt('GATEHOUSE_EPHEMERAL_RUNNER_RETENTION_DAYS', env.GATEHOUSE_EPHEMERAL_RUNNER_RETENTION_DAYS, 1),
    runnerVersion,
    strictScim: /^(1|true|yes)$/i.test(env.GATEHOUSE_STRICT_SCIM ?? ''),
    readCache: !/^(0|false|no|off)$/i.test(env.GATEHOUSE_READ_CACHE ?? ''),
    shutdownGraceMs: parseNonNegativeInt('GATEHOUSE_SHUTDOWN_GRACE_SECONDS', env.GATEHOUSE_SHUTDOWN_GRACE_SECONDS, 10) * 1000,
    metricsToken: env.GATEHOUSE_METRICS_TOKEN === undefined || env.GATEHOUSE_METRICS_TOKEN === '' ? undefined : env.GATEHOUSE_METRICS_TOKEN,
    testControls: flags.testControls !== false && !/^(0|false|no|off)$/i.test(env.GATEHOUSE_TEST_CONTROLS ?? ''),
    journalSize: Math.max(1, parseNonNegativeInt('GATEHOUSE_JOURNAL_SIZE', env.GATEHOUSE_JOURNAL_SIZE, 1000)),
  };
}

/** A configuration for tests and embedding: in-memory SQLite, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    publicUrl: 'http://127.0.0.1:3000',
    storage: { kind: 'sqlite', filename: ':memory:' },
    logLevel: 'silent',
    logFormat: 'json',
    instanceEnterprise: undefined,
    rateLimitPerHour: 0,
    runnerOfflineAfterSeconds: 90,
    runnerRetentionDays: 14,
    ephemeralRunnerRetentionDays: 1,
    runnerVersion: DEFAULT_RUNNER_VERSION,
    strictScim: false,
    readCache: true,
    shutdownGraceMs: 10_000,
    metricsToken: undefined,
    testControls: true,
    journalSize: 1000,
    ...overrides,
  };
}
