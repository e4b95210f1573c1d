/**
 * A progress bar for long imports, shown only when stderr is a terminal (so piped and CI output stays clean).
 */
import cliProgress from 'cli-progress';

export interface ProgressReporter {
  update(rows: number, bytes: number): void;
  stop(): void;
}

export function progressReporter(totalBytes: number): ProgressReporter {
  if (process.stderr.isTTY !== true || totalBytes === 0) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: 'importing [{bar}] {percentage}% | {rows} rows', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalBytes, 0, { rows: 0 });
  return {
    update(rows, bytes) {
      bar.update(Math.min(bytes, totalBytes), { rows });
    },
    stop() {
      bar.stop();
    },
  };
}
