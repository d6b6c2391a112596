#!/usr/bin/env node
// The operator CLI. Runs the bundle `make build` produces, so it needs no TypeScript tooling at run time.
import { existsSync } from 'node:fs';
const bundle = new URL('../dist/cli/telecast.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('telecast: dist/cli/telecast.mjs is missing; run `make build` first.');
  process.exit(2);
}
await import(bundle.href);
