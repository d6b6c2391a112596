#!/usr/bin/env node
// The operator CLI. Runs the bundle `make build` produces, so it needs no TypeScript tooling at run time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The project pins Node 22 (the npm `node` package in devDependencies; Lambda runs nodejs22.x), but `#!/usr/bin/env
// node` finds whatever Node is first on the PATH, often an older system one. On it the AWS SDK prints a
// NodeVersionSupportWarning on every command, so re-run this script on the pinned Node instead.
const PINNED_MAJOR = 22;
const REEXECUTED = 'TELECAST_PINNED_NODE';
if (Number(process.versions.node.split('.')[0]) !== PINNED_MAJOR) {
  const pinned = ['../node_modules/node/bin/node', '../node_modules/.bin/node']
    .map((path) => fileURLToPath(new URL(path, import.meta.url)))
    .find((path) => existsSync(path));
  if (!pinned || process.env[REEXECUTED]) {
    // Second case: the pinned binary itself is not Node 22 (a stale install); running it again would loop.
    console.error(
      `telecast: this is Node ${process.version}; telecast runs on the project's Node ${PINNED_MAJOR} (node_modules/node/bin/node), ` +
        `which is ${pinned ? 'not Node 22' : 'not installed'}. Run \`make install\` in the repository first.`,
    );
    process.exit(2);
  }
  const child = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXECUTED]: '1' },
  });
  if (child.error) throw child.error;
  if (child.signal) process.kill(process.pid, child.signal);
  process.exit(child.status ?? 1);
}

const bundle = new URL('../dist/cli/telecast.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('telecast: dist/cli/telecast.mjs is missing; run `make build` first.');
  process.exit(2);
}
await import(bundle.href);
