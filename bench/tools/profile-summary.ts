/**
 * Summarises a V8 `.cpuprofile` (as written by `BENCH_PROFILE=1 npm run bench`): self time by package/area and the
 * top functions by self and by inclusive time, so a hot path can be read without opening DevTools.
 *
 *   node --import tsx bench/tools/profile-summary.ts .bench/profiles/sqlite-runners.get.cpuprofile [top=25]
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `fastify`, `kysely`, `src/http`, `node:internal`, … from a frame's URL. */
function area(url: string): string {
  if (url === '') return '(native/vm)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1] !== undefined) return nm[1];
  const src = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url) ?? /\/(src\/[^/]+)/.exec(url);
  if (src?.[1] !== undefined) return src[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.replace(/^file:\/\/.*\/(bench|test)\//, '$1/');
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: profile-summary.ts FILE.cpuprofile [top]');
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => /^\((idle|program|garbage collector)\)$/.test(byId.get(id)?.callFrame.functionName ?? '')).map(([id, us]) => [byId.get(id)!.callFrame.functionName, us] as const);

const selfByArea = new Map<string, number>();
const selfByFn = new Map<string, number>();
const inclByFn = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  selfByArea.set(area(node.callFrame.url), (selfByArea.get(area(node.callFrame.url)) ?? 0) + us);
  selfByFn.set(label(node.callFrame), (selfByFn.get(label(node.callFrame)) ?? 0) + us);
  // Inclusive: every distinct function on the stack gets the sample once.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!.callFrame);
    if (seen.has(l)) continue;
    seen.add(l);
    inclByFn.set(l, (inclByFn.get(l) ?? 0) + us);
  }
}

const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
const print = (title: string, entries: Map<string, number>, n: number): void => {
  console.log(`\n${title}`);
  for (const [k, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(us)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled; ${idle.map(([n, us]) => `${n} ${pct(us).trim()}`).join(', ')}`);
print('self time by area', selfByArea, 30);
print(`top ${top} functions by self time`, selfByFn, top);
print(`top ${top} functions by inclusive time`, inclByFn, top);
