/**
 * The in-process probes' measurement (bench/tools/inject-probe.ts, scim-probe.ts): `total` requests in `rounds`
 * bursts, CPU time per request taken per round; the minimum is the figure least inflated by whatever else the machine
 * runs. Prints one line and returns the per-round figures, sorted.
 */
import os from 'node:os';

export async function cpuPerRequestRounds(
  label: string,
  burst: (count: number) => Promise<void>,
  options: { total: number; rounds: number; concurrency: number; storeKind: string },
): Promise<number[]> {
  const { total, rounds } = options;
  const perBurst = Math.ceil(total / rounds);
  const perRound: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r += 1) {
    const cpu0 = process.cpuUsage();
    await burst(perBurst);
    const cpu = process.cpuUsage(cpu0);
    perRound.push((cpu.user + cpu.system) / perBurst);
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  perRound.sort((a, b) => a - b);
  console.log(
    `${label}: min ${perRound[0]!.toFixed(0)} / median ${perRound[Math.floor(rounds / 2)]!.toFixed(0)} µs CPU per request over ${rounds} rounds of ${perBurst}; ${((total / wallMs) * 1000).toFixed(0)} req/s wall (inject, concurrency ${options.concurrency}, ${os.cpus().length} cores, ${options.storeKind})`,
  );
  return perRound;
}
