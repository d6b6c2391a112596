// Bundles each Lambda handler with esbuild into dist/<name>/index.mjs (with its assets and the scripts of the child
// processes it starts beside it) and a zip per handler (dist/<name>.zip),
// plus the operator CLI (dist/cli/telecast.mjs, not zipped). Zips are byte-identical across builds (fixed mtimes,
// sorted entries) so a terraform plan right after a deploy shows no change for the functions.
import { build, transform } from 'esbuild';
import { zipSync } from 'fflate';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

/**
 * Every Lambda and the files its bundle needs beside it, from the function manifest (Terraform reads the same file);
 * the name is shared by its handler file, its dist folder and its Terraform instance.
 */
export const HANDLERS = JSON.parse(readFileSync(join(root, 'terraform/functions.json'), 'utf8')).functions;

// The AWS SDK and Powertools are CommonJS-flavoured in places; an ESM bundle needs a real `require` for them.
const banner = {
  js: "import { createRequire as __telecastCreateRequire } from 'node:module'; const require = __telecastCreateRequire(import.meta.url);",
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // No keepNames: it costs ~25 KB per bundle; our error classes spell out their names (src/core/errors.ts).
  minify: true,
  legalComments: 'none',
  banner,
  logLevel: 'warning',
  // Lambda's runtime ships the SDK, but we bundle our pinned version so what we test is what runs.
  mainFields: ['module', 'main'],
};

/** Lambda bundles take credentials from the environment only (see src/adapters/lambda-credentials.ts). */
const lambdaOnly = {
  alias: { '@aws-sdk/credential-provider-node': join(root, 'src/adapters/lambda-credentials.ts') },
};

/**
 * The bundle's entry: a handler module only exports its factory and its default dependencies (so tests can import it);
 * here they are built once per cold start, so a configuration error fails the init, naming every bad key.
 */
function lambdaEntry(name) {
  return {
    contents: [
      `import { createHandler, dependenciesFromEnvironment } from './src/handlers/${name}.ts';`,
      'export const handler = createHandler(dependenciesFromEnvironment(process.env));',
    ].join('\n'),
    resolveDir: root,
    sourcefile: `${name}-entry.mjs`,
    loader: 'js',
  };
}

/**
 * The admin page's files go into its bundle as text (src/admin/web-assets.ts reads them from disk when run from
 * source): the function ships one file and reads nothing at run time. Its script is minified like the bundle.
 */
const inlineWebAssets = {
  name: 'inline-web-assets',
  setup(b) {
    b.onLoad({ filter: /src[\\/]admin[\\/]web-assets\.ts$/ }, async () => {
      const dir = join(root, 'web/admin');
      const text = {};
      for (const file of readdirSync(dir).sort()) {
        const source = readFileSync(join(dir, file), 'utf8');
        const loader = file.endsWith('.js') ? 'js' : file.endsWith('.css') ? 'css' : undefined;
        text[file] = loader ? (await transform(source, { minify: true, loader, ...(loader === 'js' ? { format: 'esm' } : {}) })).code : source;
      }
      return { contents: `const loaded = ${JSON.stringify(text)};\nexport function webAssets() { return loaded; }\n`, loader: 'js' };
    });
  },
};

const ZIP_MTIME = new Date('1980-01-01T00:00:00Z');

function filesUnder(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}

/** A deterministic zip: sorted paths, fixed timestamps, fixed permissions. */
export function zipFolder(dir) {
  const entries = {};
  for (const file of filesUnder(dir)) {
    entries[relative(dir, file).split('\\').join('/')] = [readFileSync(file), { mtime: ZIP_MTIME, level: 9, attrs: 0o644 << 16 }];
  }
  return zipSync(entries, { mtime: ZIP_MTIME });
}

export async function buildAll({ handlers = Object.keys(HANDLERS), cli = true } = {}) {
  mkdirSync(dist, { recursive: true });
  const results = [];
  for (const name of handlers) {
    const outDir = join(dist, name);
    rmSync(outDir, { recursive: true, force: true });
    await build({ ...common, ...lambdaOnly, plugins: [inlineWebAssets], stdin: lambdaEntry(name), outfile: join(outDir, 'index.mjs') });
    for (const asset of HANDLERS[name].assets) copyFileSync(join(root, asset), join(outDir, asset.split('/').pop()));
    // A child process's or worker thread's script (flite-worker.ts → flite-worker.mjs, mp3-thread.ts → mp3-thread.mjs), found beside the bundle at run time.
    for (const worker of HANDLERS[name].workers ?? []) {
      await build({ ...common, banner: undefined, entryPoints: [join(root, worker)], outfile: join(outDir, `${worker.split('/').pop().replace(/\.ts$/, '')}.mjs`) });
    }
    const zip = zipFolder(outDir);
    writeFileSync(join(dist, `${name}.zip`), zip);
    results.push({ name, bundleBytes: statSync(join(outDir, 'index.mjs')).size, zipBytes: zip.length });
  }
  if (cli) {
    await build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(dist, 'cli', 'telecast.mjs') });
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.slice(2);
  const results = await buildAll(only.length ? { handlers: only, cli: false } : {});
  for (const r of results) {
    console.log(`${r.name.padEnd(10)} bundle ${(r.bundleBytes / 1024).toFixed(0).padStart(6)} KiB   zip ${(r.zipBytes / 1024).toFixed(0).padStart(6)} KiB`);
  }
}
