import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/clients.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';

const run = promisify(execFile);
const CLI = new URL('../../bin/telecast.mjs', import.meta.url).pathname;

/** The operator CLI as a separate process (asynchronously: the emulators live in this process). */
async function telecast(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('operator CLI against the emulators', function () {
  this.timeout(60_000);
  let aws: EmulatedAws;
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    aws = await startEmulatedAws();
    const { collection, processing } = aws.resources.queues;
    env = {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: aws.emulators.endpoints.sqs,
      AWS_ENDPOINT_URL_S3: aws.emulators.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: aws.emulators.endpoints.dynamodb,
      TABLE_NAME: aws.resources.table,
      BUCKET_NAME: aws.resources.bucket,
      COLLECTION_QUEUE_URL: collection!.url,
      COLLECTION_DLQ_URL: collection!.dlqUrl,
      PROCESSING_QUEUE_URL: processing!.url,
      PROCESSING_DLQ_URL: processing!.dlqUrl,
    };
    dir = await mkdtemp(join(tmpdir(), 'telecast-cli-'));
  });
  after(() => aws?.stop());

  it('rejects an invalid podcast configuration naming every violated field, exits 1 and stores nothing', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ podcast_id: 'Bad Podcast', telegram_channels: [], language: 'fr', creativity: 1.5 }));
    const result = await telecast(env, 'podcast', 'put', file);
    expect(result.code).to.equal(1);
    for (const field of ['/name is required', '/podcast_id', '/telegram_channels', '/language', '/creativity']) {
      expect(result.stderr).to.include(field);
    }
    const list = await telecast(env, 'podcast', 'list', '--json');
    expect(JSON.parse(list.stdout)).to.deep.equal([]);
  });

  it('says which file is not JSON', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "podcast_id": ');
    const result = await telecast(env, 'podcast', 'put', file);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('broken.json is not a readable JSON file');
  });

  it('stores a valid podcast and shows it', async () => {
    const file = join(dir, 'good.json');
    await writeFile(file, JSON.stringify({ podcast_id: 'cli-show', name: 'CLI Show', telegram_channels: ['@cli_channel'] }));
    expect((await telecast(env, 'podcast', 'put', file)).stdout).to.include('stored podcast cli-show');
    const got = JSON.parse((await telecast(env, 'podcast', 'get', 'cli-show', '--json')).stdout);
    expect(got).to.include({ podcast_id: 'cli-show', window_hours: 24 });
  });

  it('names every missing environment variable at once', async () => {
    const result = await telecast({ AWS_REGION: LOCAL_REGION }, 'queues', 'status');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('COLLECTION_QUEUE_URL is not set').and.include('PROCESSING_DLQ_URL is not set');
  });

  it('answers an unknown command with usage and exit code 2', async () => {
    const result = await telecast(env, 'episode', 'explode');
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('unknown command "episode explode"').and.include('usage: telecast');
  });

  it('imports a channel export, with --recent moving its newest post to ten minutes ago', async () => {
    const file = join(dir, 'export.json');
    const old = { name: 'Old', type: 'public_channel', id: 1, messages: [{ id: 1, type: 'message', date: '2020-01-01T00:00:00', date_unixtime: '1577836800', text: 'A long enough post from years ago.' }] };
    await writeFile(file, JSON.stringify(old));
    const result = await telecast(env, 'channel', 'import', '@old_channel', file, '--recent', '--json');
    expect(JSON.parse(result.stdout)).to.include({ channel: '@old_channel', key: 'channel-exports/old_channel/result.json', posts: 1 });
    const stored = await aws.objects.getJson<{ messages: Array<{ date_unixtime: string }> }>('channel-exports/old_channel/result.json');
    const age = Date.now() / 1000 - Number(stored.messages[0]!.date_unixtime);
    expect(age).to.be.within(9 * 60, 11 * 60);
  });

  it('refuses to start an episode for an unknown podcast', async () => {
    const result = await telecast(env, 'episode', 'generate', 'nobody');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('unknown podcast "nobody"');
  });
});
