/**
 * Test-control commands (`faults`, `snapshot`, `reset`, `clock`, `requests`): thin clients of a running server's
 * control API (`/_gatehouse/api`, README "Test controls"), with a site administrator's token (`--token` or
 * GATEHOUSE_TOKEN) at `--url` (GATEHOUSE_URL, default http://127.0.0.1:3000).
 */
import { Option, type Command } from 'commander';
import { parseDuration, type ClockState } from '../control/clock.ts';
import type { FaultRule } from '../control/faults.ts';
import type { JournalEntryJson } from '../control/journal.ts';
import type { SnapshotInfo } from '../control/snapshots.ts';
import { CliError } from './context.ts';

interface RemoteFlags {
  url: string;
  token?: string;
}

const remote = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--url <url>', 'the running server').env('GATEHOUSE_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--token <token>', 'a site administrator token with the site_admin scope').env('GATEHOUSE_TOKEN'));

function target(flags: RemoteFlags, path: string): { url: string; headers: Record<string, string> } {
  if (flags.token === undefined || flags.token === '') throw new CliError('a site administrator token is needed: --token or GATEHOUSE_TOKEN');
  let base: URL;
  try {
    base = new URL(flags.url);
  } catch {
    throw new CliError(`invalid --url: ${flags.url}`);
  }
  return {
    url: `${base.origin}${base.pathname.replace(/\/+$/, '')}/_gatehouse/api${path}`,
    headers: { authorization: `Bearer ${flags.token}`, accept: 'application/json', 'user-agent': 'gatehouse-cli' },
  };
}

interface ErrorBody {
  message?: unknown;
  errors?: Array<string | { message?: string; field?: string; code?: string }>;
}

async function call<T>(flags: RemoteFlags, method: string, path: string, body?: unknown): Promise<T> {
  const { url, headers } = target(flags, path);
  let res: Response;
  try {
    res = await fetch(url, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new CliError(`cannot reach ${flags.url}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) {
    const error = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as ErrorBody;
    const message = typeof error.message === 'string' ? error.message : `HTTP ${res.status}`;
    const details = Array.isArray(error.errors) ? error.errors.map((e) => (typeof e === 'string' ? e : (e.message ?? `${String(e.field)} ${String(e.code)}`))).join('; ') : '';
    const hint = res.status === 404 && path.split('/').length <= 2 ? ' (is the token a site administrator’s with site_admin, and are test controls on?)' : '';
    throw new CliError(`${res.status} ${message}${details === '' ? '' : `: ${details}`}${hint}`);
  }
  return parsed as T;
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

function intOption(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new CliError(`${name} must be a whole number, got ${value}`);
    return Number(value);
  };
}

/** One line per journal entry, for `requests tail` and `requests list`. */
export function requestLine(entry: JournalEntryJson): string {
  const parts = [
    String(entry.time),
    String(entry.method).padEnd(6),
    String(entry.status),
    `${Number(entry.duration_ms).toFixed(1)}ms`.padStart(9),
    `${String(entry.path)}${entry.query === '' ? '' : `?${String(entry.query)}`}`,
  ];
  if (entry.tenant !== null) parts.push(`tenant=${String(entry.tenant)}`);
  if (entry.user !== null) parts.push(`user=${String(entry.user)}`);
  if (entry.idp !== null) parts.push(`client=${String(entry.idp)}`);
  if (entry.fault !== null) parts.push(`FAULT(${entry.fault.action} #${entry.fault.rule})`);
  return parts.join(' ');
}

interface FilterFlags {
  tenant?: string;
  pathPrefix?: string;
  status?: string;
  since?: string;
  method?: string;
}

function filterQuery(flags: FilterFlags, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams(extra);
  if (flags.tenant !== undefined) query.set('tenant', flags.tenant);
  if (flags.pathPrefix !== undefined) query.set('path_prefix', flags.pathPrefix);
  if (flags.status !== undefined) query.set('status', flags.status);
  if (flags.since !== undefined) query.set('since', flags.since);
  if (flags.method !== undefined) query.set('method', flags.method);
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

const filters = (cmd: Command): Command =>
  cmd
    .option('--tenant <slug>', 'only requests to this enterprise or organization')
    .option('--path-prefix <prefix>', 'only paths starting with this')
    .option('--status <status>', 'only this status (429) or class (5xx)')
    .option('--method <method>', 'only this method')
    .option('--since <time>', 'only requests at or after this ISO 8601 time');

/** Follows the server-sent event stream, printing one line per request; resolves after `count` requests, if given. */
async function tail(flags: RemoteFlags & FilterFlags & { count?: number; json?: boolean }): Promise<void> {
  const { url, headers } = target(flags, `/requests/stream${filterQuery(flags)}`);
  let res: Response;
  try {
    res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' } });
  } catch (error) {
    throw new CliError(`cannot reach ${flags.url}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`);
  }
  if (!res.ok || res.body === null) {
    throw new CliError(`${res.status} ${res.status === 404 ? 'Not Found (is the token a site administrator’s with site_admin, and are test controls on?)' : res.statusText}`);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let seen = 0;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) throw new CliError('the server closed the stream');
    buffer += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!/^event: request$/m.test(block)) continue;
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      const entry = JSON.parse(data) as JournalEntryJson;
      process.stdout.write(`${flags.json === true ? JSON.stringify(entry) : requestLine(entry)}\n`);
      seen += 1;
      if (flags.count !== undefined && seen >= flags.count) {
        await reader.cancel();
        return;
      }
    }
  }
}

export function controlCommands(program: Command): void {
  // --- faults ---
  const faults = program.command('faults').description('fault rules of a running server (test controls)');
  remote(faults.command('add').description('add a fault rule; prints its id'))
    .requiredOption('--path <glob>', 'path pattern: * within a segment, ** across')
    .option('--method <method>', 'only this method')
    .option('--tenant <slug>', 'only requests to this enterprise or organization')
    .option('--match-token <token>', 'only requests carrying this token')
    .option('--status <status>', 'answer with this status (429, 500, 502, 503, …)', intOption('--status'))
    .option('--delay <ms>', 'add this much latency (milliseconds, or 2s, 500ms)')
    .option('--drop', 'drop the connection')
    .option('--times <n>', 'only the next n matching requests', intOption('--times'))
    .option('--probability <p>', 'fire with this probability (0 < p ≤ 1)', (v: string) => Number(v))
    .option('--retry-after <seconds>', 'Retry-After of a 429 or 503', intOption('--retry-after'))
    .option('--json', 'print the whole rule as JSON')
    .action(async (flags: RemoteFlags & { path: string; method?: string; tenant?: string; matchToken?: string; status?: number; delay?: string; drop?: boolean; times?: number; probability?: number; retryAfter?: number; json?: boolean }) => {
      let delay: number | undefined;
      if (flags.delay !== undefined) {
        delay = parseDuration(flags.delay);
        if (delay === undefined) throw new CliError(`--delay must be milliseconds or a duration such as 2s, got ${flags.delay}`);
      }
      const rule = await call<FaultRule>(flags, 'POST', '/faults', {
        path: flags.path,
        method: flags.method,
        tenant: flags.tenant,
        token: flags.matchToken,
        status: flags.status,
        delay_ms: delay,
        drop: flags.drop,
        times: flags.times,
        probability: flags.probability,
        retry_after: flags.retryAfter,
      });
      if (flags.json === true) print(rule);
      else process.stdout.write(`${String(rule.id)}\n`);
    });
  remote(faults.command('list').description('list the fault rules and how often each fired')).action(async (flags: RemoteFlags) => {
    print((await call<{ faults: FaultRule[] }>(flags, 'GET', '/faults')).faults);
  });
  remote(faults.command('delete').description('delete a fault rule').argument('<id>', 'rule id')).action(async (id: string, flags: RemoteFlags) => {
    await call(flags, 'DELETE', `/faults/${encodeURIComponent(id)}`);
  });
  remote(faults.command('clear').description('delete every fault rule')).action(async (flags: RemoteFlags) => {
    await call(flags, 'DELETE', '/faults');
  });

  // --- snapshots and reset ---
  const snapshot = program.command('snapshot').description('named snapshots of a running server’s store (test controls)');
  remote(snapshot.command('save').description('save the whole store under a name').argument('<name>')).action(async (name: string, flags: RemoteFlags) => {
    const saved = await call<SnapshotInfo>(flags, 'POST', '/snapshots', { name });
    process.stdout.write(`saved ${String(saved.name)}: ${String(saved.rows)} rows in ${String(saved.tables)} tables\n`);
  });
  remote(snapshot.command('restore').description('restore a saved snapshot').argument('<name>')).action(async (name: string, flags: RemoteFlags) => {
    const restored = await call<SnapshotInfo & { duration_ms: number }>(flags, 'POST', `/snapshots/${encodeURIComponent(name)}/restore`);
    process.stdout.write(`restored ${String(restored.name)} in ${String(restored.duration_ms)} ms\n`);
  });
  remote(snapshot.command('list').description('list the snapshots')).action(async (flags: RemoteFlags) => {
    for (const s of (await call<{ snapshots: SnapshotInfo[] }>(flags, 'GET', '/snapshots')).snapshots) process.stdout.write(`${s.name}\t${s.created_at}\t${s.rows} rows\n`);
  });
  remote(snapshot.command('delete').description('delete a snapshot').argument('<name>')).action(async (name: string, flags: RemoteFlags) => {
    await call(flags, 'DELETE', `/snapshots/${encodeURIComponent(name)}`);
  });

  remote(program.command('reset').description('empty a running server’s store (site administrators and their tokens stay)'))
    .option('--demo', 'then create the demo and print its tokens')
    .option('--all', 'also delete fault rules, clear the request journal and return the clock to real time')
    .action(async (flags: RemoteFlags & { demo?: boolean; all?: boolean }) => {
      const all = flags.all === true;
      const result = await call<{ tokens: Array<{ login: string; token: string }> }>(flags, 'POST', '/reset', { demo: flags.demo === true, faults: all, requests: all, clock: all });
      for (const token of result.tokens) process.stdout.write(`${token.login}\t${token.token}\n`);
    });

  // --- clock ---
  const clock = program.command('clock').description('the server clock of a running server (test controls)');
  const showClock = (state: ClockState): void => {
    process.stdout.write(`${state.now}${state.frozen ? ' (frozen)' : ''} offset ${state.offset_ms} ms\n`);
  };
  remote(clock.command('show', { isDefault: true }).description('print the server’s time')).action(async (flags: RemoteFlags) => {
    showClock(await call<ClockState>(flags, 'GET', '/clock'));
  });
  remote(clock.command('set').description('set the server’s time').argument('<time>', 'ISO 8601 time')).option('--freeze', 'and stop it there').action(async (time: string, flags: RemoteFlags & { freeze?: boolean }) => {
    showClock(await call<ClockState>(flags, 'POST', '/clock', { set: time, freeze: flags.freeze === true }));
  });
  remote(clock.command('advance').description('move the server’s time forward').argument('<duration>', '15d, 2h30m, 90s, or milliseconds')).action(async (duration: string, flags: RemoteFlags) => {
    if (parseDuration(duration) === undefined) throw new CliError(`not a duration: ${duration} (try 15d, 2h30m, 90s)`);
    showClock(await call<ClockState>(flags, 'POST', '/clock', { advance: duration }));
  });
  remote(clock.command('freeze').description('stop the server’s clock where it is')).action(async (flags: RemoteFlags) => {
    showClock(await call<ClockState>(flags, 'POST', '/clock', { freeze: true }));
  });
  remote(clock.command('real').description('return to real time')).action(async (flags: RemoteFlags) => {
    showClock(await call<ClockState>(flags, 'POST', '/clock', { real: true }));
  });

  // --- request journal ---
  const requests = program.command('requests').description('the request journal of a running server (test controls)');
  filters(remote(requests.command('list').description('recent requests, newest first, one line each')))
    .option('--limit <n>', 'at most this many', intOption('--limit'), 30)
    .option('--json', 'print the entries as JSON')
    .action(async (flags: RemoteFlags & FilterFlags & { limit: number; json?: boolean }) => {
      const page = await call<{ requests: JournalEntryJson[] }>(flags, 'GET', `/requests${filterQuery(flags, { limit: String(flags.limit) })}`);
      if (flags.json === true) print(page.requests);
      else for (const entry of page.requests) process.stdout.write(`${requestLine(entry)}\n`);
    });
  remote(requests.command('show').description('one request in full, as JSON').argument('<id>')).action(async (id: string, flags: RemoteFlags) => {
    print(await call(flags, 'GET', `/requests/${encodeURIComponent(id)}`));
  });
  filters(remote(requests.command('tail').description('follow requests as they are answered, one line each')))
    .option('--count <n>', 'exit after this many', intOption('--count'))
    .option('--json', 'print each entry as JSON on one line')
    .action((flags: RemoteFlags & FilterFlags & { count?: number; json?: boolean }) => tail(flags));
}
