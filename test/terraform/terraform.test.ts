/**
 * Terraform checked offline: formatting, `validate` of every root and module, and `terraform test` (mock AWS provider,
 * plan only) for each module and the composition. Nothing touches AWS or the network.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLE_KEYS } from '../../src/adapters/dynamo-table.ts';
import { consumerOf, loadFunctionManifest } from '../../src/local/functions.ts';
import { CONFIG_KEYS } from '../../src/core/config.ts';
import { MEDIA_TAG } from '../../src/core/keys.ts';
import { loadQueueSettings, stuckAfterMinutesFor } from '../../src/local/queue-settings.ts';
import { REPO, TerraformSandbox, explain, findProviderMirror, fixtureZip, requireTerraform, runTerraform } from './terraform-sandbox.ts';

const ENVS = ['dev', 'prod'];
/** Every module, with the variables its terraform test needs from outside (paths of the fixture zips). */
const MODULES: Record<string, (sandbox: TerraformSandbox) => string[]> = {
  'sqs-queue': () => [],
  'lambda-function': (s) => [`-var=zip_path=${join(s.artifactsDir, 'podcastfy.zip')}`],
  storage: () => [],
  schedule: () => [],
  alarms: () => [],
  dashboard: () => [],
  publishing: () => [],
  telecast: (s) => [`-var=artifacts_dir=${s.artifactsDir}`],
};

/** A terraform test generated from the adapter's constants: a change on either side without the other fails. */
function tableKeysTest(): string {
  const q = (value: string) => JSON.stringify(value);
  const index = TABLE_KEYS.statusIndex;
  return `mock_provider "aws" {}

variables {
  bucket_name = "telecast-test-podcasts-123456789012"
  table_name  = "telecast-test-state"
}

run "table_keys_match_the_adapter" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.hash_key == ${q(TABLE_KEYS.partitionKey)} && aws_dynamodb_table.this.range_key == ${q(TABLE_KEYS.sortKey)}
    error_message = "Table keys differ from TABLE_KEYS in src/adapters/dynamo-table.ts."
  }

  assert {
    condition = anytrue([
      for g in aws_dynamodb_table.this.global_secondary_index :
      g.name == ${q(index.name)} && g.hash_key == ${q(index.partitionKey)} && g.range_key == ${q(index.sortKey)}
    ])
    error_message = "The status index differs from TABLE_KEYS.statusIndex in src/adapters/dynamo-table.ts."
  }
}
`;
}

/** Storage's media expiry rule must match the tag the writer puts on media copies (MEDIA_TAG in src/core/keys.ts). */
function mediaTagTest(): string {
  const q = (value: string) => JSON.stringify(value);
  return `mock_provider "aws" {}

variables {
  bucket_name = "telecast-test-podcasts-123456789012"
  table_name  = "telecast-test-state"
}

run "media_expiry_matches_the_writers_tag" {
  command = plan

  assert {
    condition = [
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.filter[0].and[0].tags if r.id == "expire-episode-media"
    ] == [tomap({ ${q(MEDIA_TAG.key)} = ${q(MEDIA_TAG.value)} })]
    error_message = "The media expiry rule's tag differs from MEDIA_TAG in src/core/keys.ts."
  }
}
`;
}

/**
 * The composition's STUCK_AFTER_MINUTES default must be the figure the local stack derives from the same settings
 * and the handlers' own default in CONFIG_KEYS.
 */
function stuckAfterMinutesTest(expected: string, telecastSuite: string): string {
  // The composition suite's mock provider (known account, region and partition), reused rather than copied.
  const start = telecastSuite.indexOf('mock_provider "aws" {');
  const mockProvider = telecastSuite.slice(start, telecastSuite.indexOf('\n}\n', start) + 3);
  return `${mockProvider}
variables {
  environment = "test"
}

run "stuck_after_minutes_default_matches_the_local_stack_and_config" {
  command = plan

  assert {
    condition     = output.functions.scheduler.environment_variables.STUCK_AFTER_MINUTES == ${JSON.stringify(expected)}
    error_message = "STUCK_AFTER_MINUTES differs from stuckAfterMinutesFor(queue-settings.json) and CONFIG_KEYS.STUCK_AFTER_MINUTES.default."
  }
}
`;
}

describe('Terraform (offline: fmt, validate, terraform test with a mock AWS provider)', function () {
  this.timeout(300_000);
  let sandbox: TerraformSandbox;

  before(function () {
    requireTerraform();
    sandbox = new TerraformSandbox(findProviderMirror());
  });

  after(function () {
    sandbox?.cleanup();
  });

  it('is formatted (terraform fmt -check -recursive terraform)', async function () {
    const result = await runTerraform(['fmt', '-check', '-recursive', '-diff', 'terraform'], sandbox.env('fmt'), REPO);
    expect(result.code, explain('terraform fmt -check -recursive terraform (fix with: make fmt)', result)).to.equal(0);
  });

  for (const env of ENVS) {
    it(`envs/${env} initialises from its committed lock file and validates`, async function () {
      const dir = `envs/${env}`;
      // -lockfile=readonly: fails if the committed .terraform.lock.hcl does not satisfy the version constraints.
      const init = await sandbox.run(dir, ['init', '-backend=false', '-input=false', '-lockfile=readonly']);
      expect(init.code, explain(`terraform init (${dir})`, init)).to.equal(0);
      const validate = await sandbox.run(dir, ['validate', '-no-color']);
      expect(validate.code, explain(`terraform validate (${dir})`, validate)).to.equal(0);
    });
  }

  for (const [module, testVars] of Object.entries(MODULES)) {
    describe(`modules/${module}`, function () {
      const dir = `modules/${module}`;

      before(async function () {
        const init = await sandbox.run(dir, ['init', '-backend=false', '-input=false']);
        expect(init.code, explain(`terraform init (${dir})`, init)).to.equal(0);
      });

      it('validates', async function () {
        const validate = await sandbox.run(dir, ['validate', '-no-color']);
        expect(validate.code, explain(`terraform validate (${dir})`, validate)).to.equal(0);
      });

      it('passes its terraform test suite', async function () {
        const test = await sandbox.run(dir, ['test', '-no-color', ...testVars(sandbox)]);
        expect(test.code, explain(`terraform test (${dir})`, test)).to.equal(0);
        expect(test.stdout).to.match(/Success! \d+ passed, 0 failed\./);
      });

      /** Writes a generated terraform test into the module's tests/ and runs it alone: it must pass its one run. */
      async function passesGenerated(name: string, contents: string): Promise<void> {
        const file = `tests/${name}.tftest.hcl`;
        writeFileSync(join(sandbox.path(dir), file), contents);
        const test = await sandbox.run(dir, ['test', '-no-color', `-filter=${file}`, ...testVars(sandbox)]);
        expect(test.code, explain(`terraform test -filter=${file} (${dir})`, test)).to.equal(0);
        expect(test.stdout).to.contain('Success! 1 passed, 0 failed.');
      }

      if (module === 'storage') {
        it('expires media by the tag the writer puts on them (MEDIA_TAG in src/core/keys.ts)', async function () {
          await passesGenerated('media_tag_from_source', mediaTagTest());
        });

        it('keeps the table keys equal to src/adapters/dynamo-table.ts', async function () {
          await passesGenerated('table_keys_from_source', tableKeysTest());
        });
      }

      if (module === 'telecast') {
        it('derives the STUCK_AFTER_MINUTES default the local stack derives and CONFIG_KEYS holds', async function () {
          const local = String(stuckAfterMinutesFor(loadQueueSettings()));
          expect(local, 'local stack vs CONFIG_KEYS').to.equal(CONFIG_KEYS.STUCK_AFTER_MINUTES.default);
          const suite = readFileSync(join(sandbox.path(dir), 'tests/telecast.tftest.hcl'), 'utf8');
          await passesGenerated('stuck_after_minutes_from_source', stuckAfterMinutesTest(local, suite));
        });
      }
    });
  }

  it('refuses to plan a queue whose visibility timeout in queue-settings.json is below 6 x its consumer\'s timeout in functions.json', async function () {
    // A second copy whose settings break the rule; the composition's plan must stop with the precondition's message.
    const broken = new TerraformSandbox(sandbox.mirror);
    try {
      const settingsFile = join(broken.terraformDir, 'queue-settings.json');
      const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
      const [, consumer] = consumerOf(loadFunctionManifest(loadQueueSettings()), 'collection')!;
      settings.queues.collection.visibility_timeout_seconds = 6 * consumer.timeout_seconds - 1;
      writeFileSync(settingsFile, JSON.stringify(settings, null, 2));

      const dir = 'modules/telecast';
      const init = await broken.run(dir, ['init', '-backend=false', '-input=false']);
      expect(init.code, explain(`terraform init (${dir})`, init)).to.equal(0);
      const test = await broken.run(dir, ['test', '-no-color', `-var=artifacts_dir=${broken.artifactsDir}`]);
      expect(test.code, 'terraform test must fail').to.equal(1);
      expect(test.output.replace(/\s+/g, ' ')).to.contain('must be at least 6 x the function timeout');
    } finally {
      broken.cleanup();
    }
  });

  it('refuses to plan a function of functions.json that has no IAM statements, naming it', async function () {
    // A fourth function added to the manifest (with its zip) but not to local.policy_statements.
    const broken = new TerraformSandbox(sandbox.mirror);
    try {
      const manifestFile = join(broken.terraformDir, 'functions.json');
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
      manifest.functions.publisher = { description: 'Publishes feeds.', timeout_seconds: 30, memory_mb: 256, environment: ['TABLE_NAME'], consumes: null, assets: [] };
      writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
      writeFileSync(join(broken.artifactsDir, 'publisher.zip'), fixtureZip('publisher'));

      const dir = 'modules/telecast';
      const init = await broken.run(dir, ['init', '-backend=false', '-input=false']);
      expect(init.code, explain(`terraform init (${dir})`, init)).to.equal(0);
      const test = await broken.run(dir, ['test', '-no-color', `-var=artifacts_dir=${broken.artifactsDir}`, '-filter=tests/telecast.tftest.hcl']);
      expect(test.code, 'terraform test must fail').to.equal(1);
      const output = test.output.replace(/\s+/g, ' ');
      expect(output).to.contain('local.policy_statements[each.key]');
      expect(output).to.contain('each.key is "publisher"');
    } finally {
      broken.cleanup();
    }
  });
});
