#!/usr/bin/env node
// `npm run build`, and npm's `prepare` step (run by `npm ci` / `npm install` in a clone, and before `npm pack`):
// compiles src/ to JavaScript in dist/ with tsconfig.build.json. The build only emits (`noCheck`; `npm run
// typecheck` is the check), so it needs nothing but the compiler: the development install's `typescript`, or, in a
// clone installed with `--omit=dev` (which has no compiler, by design), the same TypeScript version fetched once into
// npm's cache with `npm exec`, leaving node_modules with the server's runtime dependencies only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

/** The TypeScript version the lockfile pins (the development install's), so both ways compile alike. */
function lockedTypeScriptVersion() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  return lock.packages?.['node_modules/typescript']?.version ?? JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies.typescript;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  tsc = undefined;
}
if (tsc !== undefined) {
  run(process.execPath, [tsc, '-p', 'tsconfig.build.json']);
} else {
  const version = lockedTypeScriptVersion();
  console.error(`gatehouse build: no TypeScript in node_modules (installed with --omit=dev); compiling with typescript@${version} from npm's cache`);
  // npm runs lifecycle scripts with npm_execpath set to its own CLI; outside npm, use the npm on PATH.
  const npm = process.env.npm_execpath;
  const exec = ['exec', '--yes', `--package=typescript@${version}`, '--', 'tsc', '-p', 'tsconfig.build.json'];
  if (npm !== undefined && npm.endsWith('.js')) run(process.execPath, [npm, ...exec]);
  else run('npm', exec);
}
if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  console.error('gatehouse build: dist/cli/main.js was not produced');
  process.exit(1);
}
