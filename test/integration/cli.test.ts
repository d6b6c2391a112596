import { expect } from 'chai';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { ProcessingMessage } from '../../src/core/contracts.ts';
import { collectionRequestFor, processingMessageFor } from '../../src/core/handoff.ts';
import { parseAdminSecret } from '../../src/adapters/admin-secret.ts';
import { verifyPassword } from '../../src/admin/password.ts';
import { newEpisode, type Episode } from '../../src/core/episodes/status.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/clients.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';
import { podcastConfig } from '../helpers/factories.ts';
import { writeExportFile } from '../helpers/export-files.ts';
import { TelegramExportReader } from '../../src/adapters/telegram-export-reader.ts';

const run = promisify(execFile);
const CLI = new URL('../../bin/telecast.mjs', import.meta.url).pathname;

/** A Node on this machine other than the project's 22 (a system Node), if there is one: what `#!/usr/bin/env node` may find. */
function otherNode(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const path of dirs.filter(Boolean).map((dir) => join(dir, 'node'))) {
    if (!existsSync(path)) continue;
    try {
      if (!execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).startsWith('22.')) return path;
    } catch {
      // not runnable: look on
    }
  }
  return undefined;
}

/** The operator CLI as a separate process (asynchronously: the emulators live in this process). */
async function telecast(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return telecastOn(process.execPath, CLI, env, ...args);
}

/** `cli` (a copy of bin/telecast.mjs, or the real one) started by `node`. */
async function telecastOn(node: string, cli: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(node, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
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
    expect(result.stderr).to.include('unknown command "episode explode"').and.include('usage: bin/telecast.mjs <command>');
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

  it('imports with --recent an export of 130,000 messages (no stack overflow), its newest post ten minutes ago', async () => {
    const file = join(dir, 'long-export.json');
    await writeExportFile(file, { posts: 130_000, newest: new Date('2021-05-01T00:00:00Z'), textChars: 20 });
    const result = await telecast(env, 'channel', 'import', '@long_channel', file, '--recent', '--json');
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ posts: 130_000 });
    const read = new TelegramExportReader(aws.objects).read('@long_channel', { window: { from: new Date(Date.now() - 11 * 60_000), to: new Date() } });
    const newest: number[] = [];
    for await (const page of read) newest.push(...page.map((p) => p.id));
    expect(newest).to.deep.equal([130_000]);
  });

  it("warns on standard error that an old export's local dates are read as UTC without --utc-offset", async () => {
    const result = await telecast(env, 'channel', 'import', '@old_harbour', 'test/fixtures/telegram-export/desktop-2019.json');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.include('telecast: warning: 2 messages of @old_harbour').and.include('dates read as UTC; give --utc-offset');
    expect(result.stdout).to.include('imported 2 posts of @old_harbour');
  });

  it('takes --utc-offset for an old export and then gives no warning', async () => {
    const result = await telecast(env, 'channel', 'import', '@old_harbour', 'test/fixtures/telegram-export/desktop-2019.json', '--utc-offset', '+03:00');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.not.include('warning');
  });

  it('refuses a broken export naming the channel and the line', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{\n "messages": [\n  {"id": 1, "text": "a\\qb"}\n ]\n}\n');
    const result = await telecast(env, 'channel', 'import', '@broken_harbour', file);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('the export of @broken_harbour is not valid JSON').and.include('line 3, column');
  });

  it('refuses to start an episode for an unknown podcast', async () => {
    const result = await telecast(env, 'episode', 'generate', 'nobody');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('unknown podcast "nobody"');
  });

  describe('started by a Node other than 22', () => {
    const node = otherNode();

    it('re-runs itself on the pinned Node: no AWS SDK version warning, and the command works', async function () {
      if (!node) this.skip();
      const result = await telecastOn(node!, CLI, env, 'podcast', 'list', '--json');
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.not.include('NodeVersionSupportWarning');
      expect(JSON.parse(result.stdout)).to.be.an('array');
    });

    it('without the pinned Node installed, says so and how to install it', async function () {
      if (!node) this.skip();
      const copy = join(dir, 'no-node-modules', 'bin', 'telecast.mjs');
      await mkdir(join(dir, 'no-node-modules', 'bin'), { recursive: true });
      await copyFile(CLI, copy);
      const result = await telecastOn(node!, copy, env, 'queues', 'status');
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include("the project's Node 22").and.include('not installed').and.include('make install');
    });
  });

  describe('episodes', () => {
    /** An episode of a fresh podcast whose collection claimed it once: a clean first run of that stage. */
    async function collecting(podcastId: string): Promise<Episode> {
      const episode = newEpisode({ podcast_id: podcastId }, 'manual', new Date());
      await aws.episodes.create(episode);
      const now = new Date();
      const key = { podcastId, episodeId: episode.episode_id };
      return aws.episodes.apply('claimCollection', key, { lease_expires_at: new Date(now.getTime() + 60_000).toISOString() }, now);
    }

    async function failedAtCollecting(podcastId: string): Promise<Episode> {
      const e = await collecting(podcastId);
      return aws.episodes.apply('markFailed', { podcastId, episodeId: e.episode_id }, { error: 'NotFoundError: unknown podcast', failed_stage: 'collecting' }, new Date());
    }

    async function bodies(url: string): Promise<string[]> {
      const found: string[] = [];
      for (;;) {
        const out = await aws.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30 }));
        if (!out.Messages?.length) return found;
        found.push(...out.Messages.map((m) => m.Body ?? ''));
      }
    }

    it('after `episode generate`, hints the status command as it runs from the repository: bin/telecast.mjs episode status …', async () => {
      await aws.podcasts.put(podcastConfig({ podcast_id: 'hint-show' }));
      const result = await telecast(env, 'episode', 'generate', 'hint-show');
      expect(result.code, result.stderr).to.equal(0);
      const [started] = await aws.episodes.listForPodcast('hint-show');
      expect(result.stdout).to.include(`follow it: bin/telecast.mjs episode status hint-show ${started!.episode_id}`);
    });

    it('shows an episode on the clean first run of its stage as "attempt 1"', async () => {
      const e = await collecting('first-try-show');
      const result = await telecast(env, 'episode', 'status', e.podcast_id, e.episode_id);
      expect(result.stdout).to.include('collecting').and.include(' attempt 1').and.not.include('attempts');
    });

    it("--json shows each stage's count of tries, 0 for a stage not reached", async () => {
      const e = await collecting('counted-show');
      const shown = JSON.parse((await telecast(env, 'episode', 'status', e.podcast_id, e.episode_id, '--json')).stdout);
      expect(shown).to.include({ attempts: 1, collection_attempts: 1, generation_attempts: 0 });
    });

    it("`episode retry` moves a failed episode's own dead letter back to its stage's queue and leaves the other letters", async () => {
      const { collection } = aws.resources.queues;
      const failed = await failedAtCollecting('retry-show');
      const other = newEpisode({ podcast_id: 'retry-show' }, 'manual', new Date(Date.now() - 3_600_000));
      const [mine, theirs] = [failed, other].map((e) => JSON.stringify(collectionRequestFor(e, 'manual')));
      await aws.queue.send(collection!.dlqUrl, theirs);
      await aws.queue.send(collection!.dlqUrl, mine);

      const result = await telecast(env, 'episode', 'retry', failed.podcast_id, failed.episode_id, '--json');
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.deep.equal({ method: 'dead-letter', moved: 1, queue: 'collection' });
      const requeued = await bodies(collection!.url);
      expect(requeued).to.include(mine).and.not.include(theirs);
      expect(await bodies(collection!.dlqUrl)).to.deep.equal([theirs]);
    });

    /** An episode of a fresh podcast collected with a result, then failed at generating. */
    async function failedAtGenerating(podcastId: string, createdAt = new Date()): Promise<Episode> {
      const e = newEpisode({ podcast_id: podcastId }, 'manual', createdAt);
      await aws.episodes.create(e);
      const key = { podcastId, episodeId: e.episode_id };
      const now = new Date();
      const lease = { lease_expires_at: new Date(now.getTime() + 60_000).toISOString() };
      const result = { channels: ['telecast_sample'], message_count: 2, window_from: e.timestamp, window_to: e.timestamp, content_key: `${e.s3_path}content.json` };
      await aws.episodes.apply('claimCollection', key, lease, now);
      await aws.episodes.apply('markCollected', key, { result, content_key: result.content_key }, now);
      await aws.episodes.apply('claimGeneration', key, lease, now);
      return aws.episodes.apply('markFailed', key, { error: 'DownstreamError: voice service unavailable', failed_stage: 'generating' }, now);
    }

    it("`episode retry --new-script` discards the episode's own processing dead letter and sends its message asking for a new script", async () => {
      const { processing } = aws.resources.queues;
      const failed = await failedAtGenerating('new-script-show');
      const other = await failedAtGenerating('new-script-show', new Date(Date.now() - 3_600_000));
      const [mine, theirs] = [failed, other].map((e) => JSON.stringify(processingMessageFor(e, e.result!)));
      await aws.queue.send(processing!.dlqUrl, theirs);
      await aws.queue.send(processing!.dlqUrl, mine);

      const before = new Date().toISOString();
      const result = await telecast(env, 'episode', 'retry', failed.podcast_id, failed.episode_id, '--new-script', '--json');
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.deep.equal({ method: 'new-script', moved: 0, discarded: 1, queue: 'processing' });
      const sent = (await bodies(processing!.url)).map((b) => JSON.parse(b) as ProcessingMessage);
      expect(sent, 'only the new message: the old letter was not moved back').to.have.length(1);
      expect(sent[0]).to.deep.include({ episode_id: failed.episode_id, timestamp: failed.timestamp });
      expect(sent[0]!.new_script!.requested_at >= before).to.equal(true);
      expect(await bodies(processing!.dlqUrl)).to.deep.equal([theirs]);
    });

    it('`episode retry --new-script` of an episode that failed at collecting exits 1 saying it has no script to write anew', async () => {
      const failed = await failedAtCollecting('no-script-show');
      const result = await telecast(env, 'episode', 'retry', failed.podcast_id, failed.episode_id, '--new-script');
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include('failed at collecting, not generating');
    });

    it('`episode retry` of an episode that has not failed exits 1 naming its status', async () => {
      const e = await collecting('busy-retry-show');
      const result = await telecast(env, 'episode', 'retry', e.podcast_id, e.episode_id);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(`${e.podcast_id}/${e.episode_id} is collecting, not failed`);
    });
  });

  describe('admin secret', () => {
    it('prints the secret JSON for the password in TELECAST_ADMIN_PASSWORD: its hash verifies the password, with a fresh session key', async () => {
      const result = await telecast({ TELECAST_ADMIN_PASSWORD: 'correct horse battery staple' }, 'admin', 'secret');
      expect(result.code, result.stderr).to.equal(0);
      const secret = parseAdminSecret(result.stdout, 'stdout');
      expect(await verifyPassword('correct horse battery staple', secret.passwordHash)).to.equal(true);
      expect(await verifyPassword('wrong', secret.passwordHash)).to.equal(false);
      expect(result.stdout).to.not.include('correct horse');
    });

    it('refuses a password shorter than 12 characters, saying so, and prints no secret', async () => {
      const result = await telecast({ TELECAST_ADMIN_PASSWORD: 'short' }, 'admin', 'secret');
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include('the admin password is too short');
      expect(result.stdout).to.equal('');
    });
  });
});
