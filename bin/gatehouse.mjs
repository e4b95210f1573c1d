#!/usr/bin/env node
// The `gatehouse` command: loads the TypeScript sources through tsx (transpiled once at start-up), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
