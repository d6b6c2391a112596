/**
 * scripts/terraform.sh, run in a throwaway copy of the repository layout with a stub `terraform` that records its
 * arguments: the checks and the command sequence are tested without AWS, a backend or the real binary.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLERS, REPO } from './terraform-sandbox.ts';

interface Layout {
  root: string;
  bin: string;
  tools: string;
  log: string;
  home: string;
}

/** The few commands the script uses, linked into a folder: PATH then holds no Terraform from the machine. */
const TOOLS = ['bash', 'env', 'dirname', 'ls', 'tr', 'fold', 'rm', 'cat'];

function linkTools(dir: string): void {
  mkdirSync(dir);
  for (const tool of TOOLS) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${tool} is needed to test scripts/terraform.sh`);
    symlinkSync(found, join(dir, tool));
  }
}

function makeLayout({ backend = true, zips = true, stub = true } = {}): Layout {
  const root = mkdtempSync(join(tmpdir(), 'telecast-tfsh-'));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(REPO, 'scripts/terraform.sh'), join(root, 'scripts/terraform.sh'));
  const envDir = join(root, 'terraform/envs/dev');
  mkdirSync(envDir, { recursive: true });
  copyFileSync(join(REPO, 'terraform/envs/dev/backend.hcl.example'), join(envDir, 'backend.hcl.example'));
  if (backend) writeFileSync(join(envDir, 'backend.hcl'), 'bucket = "state"\n');
  mkdirSync(join(root, 'dist'));
  if (zips) for (const name of HANDLERS) writeFileSync(join(root, 'dist', `${name}.zip`), 'zip');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const log = join(root, 'terraform.log');
  if (stub) {
    writeFileSync(join(bin, 'terraform'), '#!/usr/bin/env bash\necho "$*" >> "$STUB_LOG"\n');
    chmodSync(join(bin, 'terraform'), 0o755);
  }
  const tools = join(root, 'tools');
  linkTools(tools);
  const home = join(root, 'home');
  mkdirSync(home);
  return { root, bin, tools, log, home };
}

function runScript(layout: Layout, args: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync(join(layout.tools, 'bash'), [join(layout.root, 'scripts/terraform.sh'), ...args], {
    encoding: 'utf8',
    // A bare environment: no credentials or Terraform from the machine running the tests.
    env: { PATH: `${layout.bin}:${layout.tools}`, HOME: layout.home, STUB_LOG: layout.log, ...extraEnv },
    input: '',
  });
  const calls = existsSync(layout.log) ? readFileSync(layout.log, 'utf8').trim().split('\n') : [];
  // The script wraps its messages at 110 columns: compare them as one line.
  return { code: result.status, stderr: result.stderr.replace(/\s+/g, ' '), rawStderr: result.stderr, stdout: result.stdout, calls };
}

describe('scripts/terraform.sh', function () {
  this.timeout(30_000);
  const layouts: Layout[] = [];
  const layout = (options?: Parameters<typeof makeLayout>[0]) => {
    const l = makeLayout(options);
    layouts.push(l);
    return l;
  };
  const credentials = { AWS_PROFILE: 'telecast' };

  after(function () {
    for (const l of layouts) rmSync(l.root, { recursive: true, force: true });
  });

  it('stops with exit 2 and says how to install Terraform when it is missing', function () {
    const result = runScript(layout({ stub: false }), ['plan', 'dev'], credentials);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('Terraform is not installed');
  });

  it('stops with exit 2 and a plain explanation when there are no AWS credentials', function () {
    const l = layout();
    const result = runScript(l, ['plan', 'dev']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('No AWS credentials found').and.to.contain('AWS_PROFILE');
    expect(result.rawStderr).to.not.match(/\n\s+at /);
    expect(result.calls).to.be.empty;
  });

  it('accepts credentials from a ~/.aws/credentials file', function () {
    const l = layout();
    mkdirSync(join(l.home, '.aws'));
    writeFileSync(join(l.home, '.aws/credentials'), '[default]\n');
    expect(runScript(l, ['plan', 'dev']).code).to.equal(0);
  });

  it('stops with exit 2 and says how to create backend.hcl from the example', function () {
    const result = runScript(layout({ backend: false }), ['plan', 'dev'], credentials);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('cp terraform/envs/dev/backend.hcl.example terraform/envs/dev/backend.hcl');
    expect(result.calls).to.be.empty;
  });

  it('stops with exit 2 and asks for make build when the handler zips are missing', function () {
    const result = runScript(layout({ zips: false }), ['plan', 'dev'], credentials);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('dist/telegram.zip').and.to.contain('make build');
  });

  it('rejects an unknown environment or action', function () {
    const l = layout();
    expect(runScript(l, ['plan', 'staging'], credentials).code).to.equal(2);
    expect(runScript(l, ['deploy', 'dev'], credentials).code).to.equal(2);
    expect(runScript(l, [], credentials).code).to.equal(2);
  });

  it('plan: initialises with backend.hcl and saves the plan to tfplan', function () {
    const l = layout();
    const result = runScript(l, ['plan', 'dev'], credentials);
    expect(result.code, result.stderr).to.equal(0);
    const chdir = `-chdir=${join(l.root, 'terraform/envs/dev')}`;
    expect(result.calls).to.deep.equal([
      `${chdir} init -input=false -backend-config=backend.hcl`,
      `${chdir} plan -input=false -out=tfplan`,
    ]);
  });

  it('apply with AUTO_APPROVE=1: applies exactly the saved plan', function () {
    const l = layout();
    const result = runScript(l, ['apply', 'dev'], { ...credentials, AUTO_APPROVE: '1' });
    expect(result.code, result.stderr).to.equal(0);
    const chdir = `-chdir=${join(l.root, 'terraform/envs/dev')}`;
    expect(result.calls).to.deep.equal([
      `${chdir} init -input=false -backend-config=backend.hcl`,
      `${chdir} plan -input=false -out=tfplan`,
      `${chdir} apply -input=false tfplan`,
      `${chdir} output`,
    ]);
  });

  it('apply without a terminal and without AUTO_APPROVE: does not apply', function () {
    const result = runScript(layout(), ['apply', 'dev'], credentials);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('AUTO_APPROVE=1');
    expect(result.calls.some((c) => / apply /.test(` ${c} `))).to.equal(false);
  });

  it('destroy with AUTO_APPROVE=1: destroys without a prompt', function () {
    const l = layout();
    const result = runScript(l, ['destroy', 'dev'], { ...credentials, AUTO_APPROVE: '1' });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.calls.at(-1)).to.equal(`-chdir=${join(l.root, 'terraform/envs/dev')} destroy -input=false -auto-approve`);
  });
});
