#!/usr/bin/env node
// The `gatehouse` command. It runs the compiled JavaScript in dist/ (built by `npm run build`; npm's `prepare` step
// builds it on install from a clone and before `npm pack`, and the package ships it), except in a development
// checkout: there the TypeScript sources and tsx (a development dependency) are both present, and the sources run
// through tsx, so a change is live without a build. GATEHOUSE_RUN=dist runs dist/ even then.
// Either way this is one process that handles its own signals (no wrapper, no child), so a supervisor's SIGTERM
// reaches the server itself.
import fs from 'node:fs';
import module from 'node:module';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);

function tsxApi() {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return undefined;
  }
}

const tsx = process.env.GATEHOUSE_RUN === 'dist' || !fs.existsSync(source) ? undefined : tsxApi();
if (tsx !== undefined) {
  const { register } = await import(tsx);
  register();
  await import(source.href);
} else if (fs.existsSync(compiled)) {
  // Node 22.1 and later keep V8's compiled code of the loaded modules on disk (under the OS temp directory, or
  // NODE_COMPILE_CACHE), so later starts skip most of the compiling: https://nodejs.org/api/module.html#module-compile-cache
  module.enableCompileCache?.();
  await import(compiled.href);
} else {
  process.stderr.write('gatehouse: the server is not built (no dist/cli/main.js): run `npm run build`, or `npm ci`, whose prepare step builds it\n');
  process.exit(1);
}
