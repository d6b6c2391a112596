/**
 * Runs Terraform offline for the tests: a private CLI config that installs providers only from the local mirror, a
 * copy of terraform/ in a temp dir (so init never leaves .terraform/ or lock files in the tree), a TF_DATA_DIR per root
 * and tiny fixture zips standing in for the handler bundles (the tests must not depend on `make build`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, strToU8 } from 'fflate';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Every function of terraform/functions.json: each needs a zip. */
export const HANDLERS = Object.keys(JSON.parse(readFileSync(join(REPO, 'terraform/functions.json'), 'utf8')).functions);

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertion messages. */
  output: string;
}

/** Fails loudly (never skips) when Terraform is missing: the Terraform checks are part of the test suite. */
export function requireTerraform(): string {
  const result = spawnSync('terraform', ['version'], { encoding: 'utf8', env: { ...process.env, TF_CLI_CONFIG_FILE: '' } });
  if (result.error || result.status !== 0) {
    throw new Error(
      'terraform is not on PATH, so the Terraform tests cannot run. Install Terraform 1.11.4 ' +
        '(https://developer.hashicorp.com/terraform/install) and run the tests again.' +
        (result.error ? ` (${result.error.message})` : ` (terraform version: ${result.stderr})`),
    );
  }
  return result.stdout.split('\n')[0] ?? '';
}

/**
 * The provider mirror: TELECAST_TF_MIRROR, else /opt/tf-plugins. It is the folder that contains
 * registry.terraform.io/ (unpacked or packed layout, e.g. from `terraform providers mirror`).
 */
export function findProviderMirror(): string {
  const candidates = [process.env.TELECAST_TF_MIRROR, '/opt/tf-plugins'].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    if (existsSync(join(candidate, 'registry.terraform.io'))) return resolve(candidate);
  }
  throw new Error(
    `No Terraform provider mirror found (looked in: ${candidates.join(', ')}). The Terraform tests run offline and ` +
      'install the AWS provider from a local mirror: set TELECAST_TF_MIRROR to a folder containing ' +
      'registry.terraform.io/, e.g. one made with `terraform -chdir=terraform/envs/dev providers mirror <folder>` ' +
      '(after `terraform init -backend=false` there).',
  );
}

/** A deterministic, minimal Lambda bundle: enough for filebase64sha256 and the plan. */
export function fixtureZip(name: string): Uint8Array {
  const source = `export const handler = async () => ({ fixture: ${JSON.stringify(name)} });\n`;
  return zipSync({ 'index.mjs': [strToU8(source), { mtime: new Date('1980-01-01T00:00:00Z') }] });
}

export class TerraformSandbox {
  readonly root: string;
  /** The copy of the repository's terraform/ folder. */
  readonly terraformDir: string;
  /** Fixture zips, laid out like dist/ (so the env roots' default artifacts_dir finds them too). */
  readonly artifactsDir: string;
  private readonly cliConfig: string;

  constructor(readonly mirror: string) {
    this.root = mkdtempSync(join(tmpdir(), 'telecast-tf-'));
    this.terraformDir = join(this.root, 'terraform');
    this.artifactsDir = join(this.root, 'dist');

    cpSync(join(REPO, 'terraform'), this.terraformDir, {
      recursive: true,
      // Nothing an operator keeps locally: working dirs, backend settings, plan files, module lock files.
      filter: (source) => !['.terraform', 'backend.hcl', 'tfplan'].includes(basename(source)) && !/modules\/.*\.terraform\.lock\.hcl$/.test(source),
    });

    mkdirSync(this.artifactsDir);
    for (const name of HANDLERS) writeFileSync(join(this.artifactsDir, `${name}.zip`), fixtureZip(name));

    const pluginCache = join(this.root, 'plugin-cache');
    mkdirSync(pluginCache);
    this.cliConfig = join(this.root, 'terraform.tfrc');
    writeFileSync(
      this.cliConfig,
      [
        // One unpacked copy of the (large) provider, linked into every root.
        `plugin_cache_dir = ${JSON.stringify(pluginCache)}`,
        // Module roots have no lock file to check the cache against; the env roots use -lockfile=readonly.
        'plugin_cache_may_break_dependency_lock_file = true',
        'provider_installation {',
        '  filesystem_mirror {',
        `    path = ${JSON.stringify(this.mirror)}`,
        '  }',
        '  direct {',
        '    exclude = ["registry.terraform.io/*/*"]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  }

  /** Absolute path of a folder inside the terraform/ copy, e.g. `modules/storage`. */
  path(relative: string): string {
    return join(this.terraformDir, relative);
  }

  /** Environment for one Terraform root: offline CLI config, own data dir, no inherited TF_* settings. */
  env(dataName: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('TF_')) env[key] = value;
    return {
      ...env,
      TF_CLI_CONFIG_FILE: this.cliConfig,
      TF_DATA_DIR: join(this.root, 'data', dataName.replace(/[^A-Za-z0-9_-]/g, '_')),
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      NO_COLOR: '1',
    };
  }

  /** Runs `terraform -chdir=<dir> <args>` with the root's own data dir. Resolves with the result, never rejects. */
  run(dir: string, args: string[], dataName = dir): Promise<RunResult> {
    return runTerraform(['-chdir=' + this.path(dir), ...args], this.env(dataName), REPO);
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function runTerraform(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn('terraform', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolvePromise({ code: null, stdout, stderr: stderr + error.message, output: stdout + stderr + error.message }));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr, output: `${stdout}\n${stderr}` }));
  });
}

/** Failure text for an assertion: the command and what Terraform said. */
export function explain(what: string, result: RunResult): string {
  return `${what} exited ${result.code}:\n${result.output.trim()}`;
}
