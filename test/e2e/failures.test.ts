// End to end on the whole local stack (built bundles, real SDK, embedded emulators): what happens to messages that can
// never succeed (dead-lettered at once, with their reason, while the rest of their batch goes on) and to messages
// that keep failing transiently (retried until SQS's redrive policy moves them to the DLQ).
import { expect } from 'chai';
import type { SQSBatchResponse } from 'aws-lambda';
import type { Message } from '@aws-sdk/client-sqs';
import type { Episode } from '../../src/core/episodes/status.ts';
import { channelExportPrefix, episodeKey } from '../../src/core/keys.ts';
import { episodeIdFor } from '../../src/core/time.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { loadQueueSettings } from '../../src/local/queue-settings.ts';
import type { InspectedLetter, RedriveResult } from '../../src/core/ports.ts';
import {
  attribute,
  collectionRequestFor,
  deliveriesOf,
  dlqUrl,
  keyOf,
  lambdaRecord,
  pendingCount,
  repositories,
  sampleExport,
  samplePodcast,
  telecastJson,
  waitForEpisode,
  waitForMessages,
  type Repositories,
  showLogsOnFailure,
} from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

const settings = loadQueueSettings();
/** Long enough that a short episode renders before its message could come back (no retry is expected here). */
const PROCESSING_VISIBILITY_SECONDS = 60;

function telecastAttributes(message: Message): string[] {
  return Object.keys(message.MessageAttributes ?? {}).filter((k) => k.startsWith('telecast-'));
}

/** A podcast whose channel export (the sample's last two posts, the newest a minute old) is in the bucket. */
async function seedPodcast(repos: Repositories, podcastId: string): Promise<void> {
  const channel = `@${podcastId.replace(/-/g, '_')}`;
  await repos.podcasts.put(samplePodcast({ podcast_id: podcastId, telegram_channels: [channel] }));
  await repos.objects.putJson(`${channelExportPrefix(channel)}result.json`, sampleExport(new Date(Date.now() - 60_000), [32, 33]));
}

describe('e2e: permanent failures are dead-lettered at once with their reason', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let repos: Repositories;

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: PROCESSING_VISIBILITY_SECONDS } });
    repos = repositories(stack);
  });
  after(() => stack?.stop());
  showLogsOnFailure(() => stack);

  it('a collection batch with three poison records: they reach the DLQ byte for byte with their reasons, the valid record completes', async () => {
    await seedPodcast(repos, 'poison-show');
    const valid = newEpisode({ podcast_id: 'poison-show' }, 'manual', new Date());
    await repos.episodes.create(valid);
    const unknownEpisodeId = episodeIdFor(new Date(Date.now() - 3_600_000));
    const poison = {
      notJson: '{"schema_version": 1, "podcast_id": "poison-show", oops',
      invalid: JSON.stringify({ ...collectionRequestFor({ ...valid, episode_id: unknownEpisodeId }), trigger: 'cron' }),
      unknownPodcast: JSON.stringify(collectionRequestFor({ ...valid, podcast_id: 'no-such-show' })),
    };
    const records = [
      lambdaRecord(stack, 'collection', poison.notJson),
      lambdaRecord(stack, 'collection', poison.invalid),
      lambdaRecord(stack, 'collection', poison.unknownPodcast),
      lambdaRecord(stack, 'collection', JSON.stringify(collectionRequestFor(valid))),
    ];

    const response = (await stack.invoke('telegram', { Records: records })) as SQSBatchResponse;
    expect(response.batchItemFailures, 'poison records are acknowledged: they are in the DLQ').to.deep.equal([]);

    const letters = await waitForMessages(stack, dlqUrl(stack, 'collection'), (m) => m.length >= 3);
    expect(letters.map((m) => m.Body).sort()).to.deep.equal(Object.values(poison).sort());
    const letterFor = (body: string) => letters.find((m) => m.Body === body)!;
    const expectations: Array<[string, RegExp, string, number]> = [
      [poison.notJson, /not JSON/, 'ValidationError', 0],
      [poison.invalid, /\/trigger must be one of schedule, manual/, 'ValidationError', 1],
      [poison.unknownPodcast, /unknown podcast "no-such-show"/, 'NotFoundError', 2],
    ];
    for (const [body, reason, errorName, index] of expectations) {
      const letter = letterFor(body);
      expect(attribute(letter, 'telecast-error'), body).to.match(reason);
      expect(attribute(letter, 'telecast-error-name'), body).to.equal(errorName);
      expect(attribute(letter, 'telecast-stage'), body).to.equal('collecting');
      expect(attribute(letter, 'telecast-source-queue'), body).to.equal(settings.collection!.name);
      expect(attribute(letter, 'telecast-source-message-id'), body).to.equal(records[index]!.messageId);
      expect(attribute(letter, 'telecast-receive-count'), body).to.equal('1');
    }

    const episode = await waitForEpisode(stack, keyOf(valid));
    expect(episode.status, episode.error).to.equal('completed');
    expect(await pendingCount(stack, dlqUrl(stack, 'processing')), 'processing DLQ').to.equal(0);
  });

  it('a not-JSON and a schema-invalid processing message reach the processing DLQ with their reasons after one delivery each', async () => {
    const notJson = 'not json at all';
    const invalid = JSON.stringify({
      schema_version: 1,
      podcast_config_id: 'poison-show',
      podcast_id: 'poison-show',
      episode_id: episodeIdFor(new Date(Date.now() - 7_200_000)),
      timestamp: new Date(Date.now() - 7_200_000).toISOString(),
      s3_path: 'podcasts/poison-show/nowhere/',
    });
    const ids = { [notJson]: await stack.send('processing', notJson), [invalid]: await stack.send('processing', invalid) };

    const letters = await waitForMessages(stack, dlqUrl(stack, 'processing'), (all) =>
      Object.values(ids).every((id) => all.some((m) => attribute(m, 'telecast-source-message-id') === id)),
    );
    const letterFor = (body: string) => letters.find((m) => attribute(m, 'telecast-source-message-id') === ids[body])!;
    expect(letterFor(notJson).Body).to.equal(notJson);
    expect(attribute(letterFor(notJson), 'telecast-error')).to.match(/not JSON/);
    expect(letterFor(invalid).Body).to.equal(invalid);
    expect(attribute(letterFor(invalid), 'telecast-error')).to.match(/\/result is required/);
    for (const body of [notJson, invalid]) {
      expect(attribute(letterFor(body), 'telecast-stage')).to.equal('generating');
      expect(attribute(letterFor(body), 'telecast-source-queue')).to.equal(settings.processing!.name);
      const deliveries = deliveriesOf(stack, ids[body]!);
      expect(deliveries, body).to.have.length(1);
      expect(deliveries[0]!.invocation.failedRecords, 'acknowledged, not retried').to.equal(0);
    }
    expect(await pendingCount(stack, 'processing'), 'nothing left to retry').to.equal(0);
  });

  it('a processing message for a collected episode whose content.json was never written fails the episode at generating', async () => {
    await seedPodcast(repos, 'lost-content');
    const base = newEpisode({ podcast_id: 'lost-content' }, 'manual', new Date(Date.now() - 60_000));
    const contentKey = episodeKey(base.podcast_id, base.episode_id, 'content');
    const collected: Episode = {
      ...base,
      status: 'collected',
      attempts: 1,
      window_from: new Date(Date.now() - 49 * 3_600_000).toISOString(),
      window_to: base.timestamp,
      content_key: contentKey,
      result: { channels: ['lost_content'], message_count: 2, window_from: base.timestamp, window_to: base.timestamp, content_key: contentKey },
    };
    await repos.episodes.create(collected);
    const message = {
      schema_version: 1,
      podcast_config_id: collected.podcast_id,
      podcast_id: collected.podcast_id,
      episode_id: collected.episode_id,
      result: collected.result,
      timestamp: collected.timestamp,
      s3_path: collected.s3_path,
    };
    const id = await stack.send('processing', message);

    const episode = await waitForEpisode(stack, keyOf(collected));
    expect(episode.status).to.equal('failed');
    expect(episode.failed_stage).to.equal('generating');
    expect(episode.error).to.include('content.json');

    const letters = await waitForMessages(stack, dlqUrl(stack, 'processing'), (all) => all.some((m) => attribute(m, 'telecast-source-message-id') === id));
    const letter = letters.find((m) => attribute(m, 'telecast-source-message-id') === id)!;
    expect(JSON.parse(letter.Body!)).to.deep.equal(message);
    expect(attribute(letter, 'telecast-error')).to.include('content.json');
    expect(attribute(letter, 'telecast-stage')).to.equal('generating');
    expect(deliveriesOf(stack, id), 'one delivery').to.have.length(1);
    expect(await pendingCount(stack, 'processing'), 'nothing left to retry').to.equal(0);
  });
});

describe('e2e: transient failures are retried, then moved to the DLQ by SQS', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let repos: Repositories;

  /** The episode the first test gives up on; the second redrives it. */
  let givenUp: Episode | undefined;

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: PROCESSING_VISIBILITY_SECONDS } });
    repos = repositories(stack);
  });
  after(() => stack?.stop());
  showLogsOnFailure(() => stack);

  it('a collection request that fails on every receive is delivered max_receive_count times, then the DLQ has it and the episode failed', async () => {
    const maxReceiveCount = settings.collection!.max_receive_count;
    await seedPodcast(repos, 'busy-show');
    const episode = newEpisode({ podcast_id: 'busy-show' }, 'manual', new Date());
    await repos.episodes.create(episode);
    // Another holder's live lease: every delivery sees the episode being collected elsewhere (NotReadyError, retryable).
    const now = new Date();
    await repos.episodes.apply('claimCollection', keyOf(episode), { lease_expires_at: new Date(now.getTime() + 3_600_000).toISOString() }, now);
    const body = JSON.stringify(collectionRequestFor(episode));
    const id = await stack.send('collection', body);

    const letters = await waitForMessages(stack, dlqUrl(stack, 'collection'), (all) => all.length > 0, 60_000);
    expect(letters.map((m) => m.Body)).to.deep.equal([body]);
    expect(telecastAttributes(letters[0]!), 'moved by SQS, not by the consumer').to.deep.equal([]);
    const deliveries = deliveriesOf(stack, id);
    expect(deliveries.map((d) => d.receiveCount)).to.deep.equal(Array.from({ length: maxReceiveCount }, (_, i) => i + 1));
    expect(deliveries.every((d) => d.invocation.failedRecords === 1), 'each receive reported the record failed').to.equal(true);

    const failed = await repos.episodes.get(keyOf(episode));
    expect(failed?.status).to.equal('failed');
    expect(failed?.failed_stage).to.equal('collecting');
    expect(failed?.error).to.include(`gave up after ${maxReceiveCount} receives`);
    expect(failed?.error).to.match(/being collected by another delivery/);
    expect(await pendingCount(stack, 'collection'), 'collection queue').to.equal(0);
    givenUp = failed;
  });

  it('once the cause is gone, `dlq inspect` lists the letter SQS moved and `dlq redrive` takes the episode to completion', async () => {
    if (!givenUp) throw new Error('no episode was given up on (see the previous test)');
    // The other holder's lease was cleared when the episode was marked failed: a redelivery may now claim it.
    const letters = await telecastJson<InspectedLetter[]>(stack, ['dlq', 'inspect', 'collection']);
    expect(letters.map((l) => l.body)).to.deep.equal([JSON.stringify(collectionRequestFor(givenUp))]);
    expect(letters[0]!.reason, 'no reason attribute: SQS moved it, the episode record says why').to.equal(undefined);

    const redrive = await telecastJson<RedriveResult>(stack, ['dlq', 'redrive', 'collection']);
    expect(redrive).to.deep.equal({ method: 'manual', moved: 1 });
    const episode = await waitForEpisode(stack, keyOf(givenUp), (e) => e.status === 'completed' || (e.status === 'failed' && e.error !== givenUp!.error));
    expect(episode.status, episode.error).to.equal('completed');
    expect(episode.error, 'a retried stage starts clean').to.equal(undefined);
    expect(await pendingCount(stack, dlqUrl(stack, 'collection')), 'collection DLQ').to.equal(0);
  });
});
