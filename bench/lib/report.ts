/**
 * The report: a plain-text table on stdout and the same rows, with every measured field, in `.bench/results.json`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ScenarioResult } from './types.ts';

export interface ReportMeta {
  startedAt: string;
  finishedAt: string;
  node: string;
  cpus: number;
  cpuModel: string;
  pinning: string;
  durationSeconds: number;
  /** Attempts per repeatable scenario; the best is reported. */
  repeat: number;
  warmupSeconds: number;
  connections: number;
  commit: string | undefined;
  /** 1-minute load average when the run started and ended. */
  loadAverage: { before: number; after: number };
  notes: string[];
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function row(result: ScenarioResult): string[] {
  const m = result.measurement;
  const ratio = result.ratio === undefined ? '' : `${fmt(result.ratio * 100)}% of ${result.baseline ?? ''}`;
  const target =
    result.targetRatio === undefined ? '' : `${result.meetsTarget === true ? 'ok' : 'MISS'} (>= ${fmt(result.targetRatio * 100)}%)`;
  const notes = [...(m?.notes ?? [])];
  if (m !== null && m.failures > 0) notes.push(`${fmt(m.failures)} FAILED (${JSON.stringify(m.statusCounts)})`);
  if (result.error !== undefined) notes.push(`ERROR: ${result.error}`);
  return [
    result.store,
    result.id,
    result.title,
    m === null ? '-' : fmt(m.rps),
    m === null ? '-' : fmt(m.p50Ms, 1),
    m === null ? '-' : fmt(m.p99Ms, 1),
    m === null ? '-' : fmt(m.serverCpuUsPerRequest),
    m === null ? '-' : `${fmt(m.serverCpuShare * 100)}%`,
    ratio,
    target,
    notes.join('; '),
  ];
}

export function renderTable(results: readonly ScenarioResult[], meta: ReportMeta): string {
  const header = ['store', 'scenario', 'what', 'req/s', 'p50 ms', 'p99 ms', 'srv cpu µs/req', 'srv cpu', 'throughput vs', 'target', 'notes'];
  const rows = [header, ...results.map(row)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([3, 4, 5, 6, 7]);
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    `Gatehouse bench: ${meta.durationSeconds} s measured per scenario after ${meta.warmupSeconds} s warm-up, ${meta.connections} connections (autocannon)${meta.repeat > 1 ? `, best of ${meta.repeat} attempts` : ''}`,
    `node ${meta.node}, ${meta.cpus} x ${meta.cpuModel}; ${meta.pinning}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...results.map((r) => line(row(r))),
  ];
  if (meta.notes.length > 0) out.push('', ...meta.notes.map((n) => `note: ${n}`));
  return `${out.join('\n')}\n`;
}

export async function writeJson(outDir: string, results: readonly ScenarioResult[], meta: ReportMeta): Promise<string> {
  await fs.mkdir(outDir, { recursive: true });
  const file = path.join(outDir, 'results.json');
  await fs.writeFile(file, `${JSON.stringify({ meta, results }, null, 2)}\n`);
  return file;
}
