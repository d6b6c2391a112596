import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { expect } from 'chai';
import { collectEpisode } from '../../src/core/collection/collect-episode.ts';
import { parseCollectionRequest } from '../../src/core/contracts.ts';
import { newEpisode, type Episode } from '../../src/core/episodes/status.ts';
import { RetryLaterError, ValidationError } from '../../src/core/errors.ts';
import { createSqsConsumer, type ConsumerOptions } from '../../src/handlers/common/sqs-consumer.ts';
import { lambdaContext, podcastConfig, sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { ManualClock, MemoryChannelProgress, MemoryChannels, MemoryEpisodes, MemoryObjects, MemoryPodcasts, MemoryQueues } from '../helpers/memory-ports.ts';

const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const DLQ_URL = 'http://127.0.0.1:4566/000000000000/telegram-collection-dlq';
const PROCESSING_URL = 'http://127.0.0.1:4566/000000000000/podcast-processing-queue';

function syntaxErrorOf(text: string): SyntaxError {
  try {
    JSON.parse(text);
  } catch (error) {
    return error as SyntaxError;
  }
  throw new Error(`${text} parsed`);
}

describe('SQS consumer (in-memory ports)', () => {
  let clock: ManualClock;
  let podcasts: MemoryPodcasts;
  let episodes: MemoryEpisodes;
  let queues: MemoryQueues;
  let seq = 0;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-11-29T07:00:00.000Z'));
    podcasts = new MemoryPodcasts();
    episodes = new MemoryEpisodes();
    queues = new MemoryQueues();
  });

  async function pending(): Promise<Episode> {
    const podcast = podcastConfig({ podcast_id: `consumer-${++seq}` });
    await podcasts.put(podcast);
    const e = newEpisode(podcast, 'schedule', new Date(clock.now().getTime() - 60_000));
    await episodes.create(e);
    return e;
  }
  const bodyFor = (e: Episode): string =>
    JSON.stringify({ schema_version: 1, podcast_id: e.podcast_id, episode_id: e.episode_id, trigger: 'schedule', requested_at: e.created_at });
  const keyOf = (e: Episode) => ({ podcastId: e.podcast_id, episodeId: e.episode_id });

  function consumer(process: ConsumerOptions['process']) {
    return createSqsConsumer({ stage: 'collecting', deadLetterQueueUrl: DLQ_URL, maxReceiveCount: 3, episodes, queue: queues, clock, logger: silent, process });
  }

  describe('a wrapped failure keeps its cause where an operator reads it', () => {
    it("a permanent failure's cause reaches the episode's error and the DLQ's telecast-error attribute", async () => {
      const e = await pending();
      const parse = syntaxErrorOf('{"posts": [');
      const handler = consumer(async () => {
        throw new ValidationError(`content.json of ${e.episode_id} is not valid JSON`, [], parse);
      });
      const response = await handler(sqsEvent(sqsRecord(bodyFor(e))), lambdaContext());
      expect(response.batchItemFailures).to.deep.equal([]);
      const expected = `ValidationError: content.json of ${e.episode_id} is not valid JSON: SyntaxError: ${parse.message}`;
      expect((await episodes.get(keyOf(e)))?.error).to.equal(expected);
      const [letter] = queues.sent.filter((m) => m.queueUrl === DLQ_URL);
      expect(letter?.attributes['telecast-error']).to.equal(expected);
    });

    it('a channel that cannot be read on the last receive fails the episode with the reading error, not just "reading channel failed"', async () => {
      const e = await pending();
      const channels = new MemoryChannels();
      channels.failures.set('telecast_sample', syntaxErrorOf('<html>Too Many Requests</html>'));
      const objects = new MemoryObjects();
      const handler = consumer(async (record) => {
        const deps = { podcasts, episodes, objects, queue: queues, readers: channels, progress: new MemoryChannelProgress(), clock, processingQueueUrl: PROCESSING_URL };
        await collectEpisode(deps, parseCollectionRequest(JSON.parse(record.body)), 60);
      });
      const response = await handler(sqsEvent(sqsRecord(bodyFor(e), {}, 3)), lambdaContext());
      expect(response.batchItemFailures).to.have.length(1);
      expect(await episodes.get(keyOf(e))).to.include({
        status: 'failed',
        failed_stage: 'collecting',
        error: `DownstreamError: reading channel @telecast_sample failed: SyntaxError: ${syntaxErrorOf('<html>Too Many Requests</html>').message} (gave up after 3 receives)`,
      });
    });
  });

  describe('a wait the source demands', () => {
    it('a flood wait makes the message visible again after the wait, notes it on the episode, and reports the record failed', async () => {
      const e = await pending();
      const handler = consumer(async () => {
        throw new RetryLaterError('Telegram asked @telecast_sample to wait (FLOOD_WAIT_3600)', 3600);
      });
      const record = sqsRecord(bodyFor(e), {}, 1);
      const response = await handler(sqsEvent(record), lambdaContext());
      expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: record.messageId }]);
      expect(queues.delayed).to.deep.equal([{ queueArn: record.eventSourceARN, receiptHandle: record.receiptHandle, seconds: 3600 }]);
      const stored = await episodes.get(keyOf(e));
      expect(stored?.status).to.equal('pending');
      expect(stored?.last_error).to.include('waiting 3600 s, retried after 2026-11-29T08:00:00.000Z');
    });

    it('on the last receive a flood wait fails the episode with the reason, as any transient failure does', async () => {
      const e = await pending();
      const handler = consumer(async () => {
        throw new RetryLaterError('Telegram asked @telecast_sample to wait (FLOOD_WAIT_3600)', 3600);
      });
      await handler(sqsEvent(sqsRecord(bodyFor(e), {}, 3)), lambdaContext());
      expect(queues.delayed).to.deep.equal([]);
      expect((await episodes.get(keyOf(e)))?.error).to.include('FLOOD_WAIT_3600');
    });
  });

  describe('records deferred for lack of time', () => {
    /**
     * A batch of two where the first record spends 50 of the invocation's 60 seconds (by the context's clock), so too
     * little is left for the second, which is on receive `secondReceive`. Returns which records started, in order.
     */
    async function shortOfTime(secondReceive: number) {
      const [a, b] = [await pending(), await pending()];
      let remaining = 60_000;
      const context: Context = { ...lambdaContext(), getRemainingTimeInMillis: () => remaining };
      const started: string[] = [];
      const handler = consumer(async (record) => {
        started.push(JSON.parse(record.body).podcast_id);
        remaining -= 50_000;
      });
      const records = [sqsRecord(bodyFor(a)), sqsRecord(bodyFor(b), {}, secondReceive)];
      const response = await handler(sqsEvent(...records), context);
      return { a, b, second: records[1]!, started, response };
    }

    it('before its last receive, a record is not started when less time is left than the slowest one took; it comes back untouched', async () => {
      const { a, b, second, started, response } = await shortOfTime(2);
      expect(started).to.deep.equal([a.podcast_id]);
      expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: second.messageId }]);
      expect(await episodes.get(keyOf(b))).to.include({ status: 'pending' }).and.not.have.property('error');
    });

    it('on its last receive, a record is processed even when little time is left, rather than deferred into the DLQ', async () => {
      const { a, b, started, response } = await shortOfTime(3);
      expect(started).to.deep.equal([a.podcast_id, b.podcast_id]);
      expect(response.batchItemFailures).to.deep.equal([]);
    });
  });

  describe('failure marking only for the episode a message proves to be about', () => {
    it('a forged message naming a real episode with another folder is dead-lettered and leaves that episode alone', async () => {
      const e = await pending();
      await episodes.apply('claimCollection', keyOf(e), {}, clock.now());
      const forged = JSON.stringify({ ...JSON.parse(bodyFor(e)), requested_at: '2020-01-01T00:00:00.000Z' });
      const handler = consumer(async () => {
        throw new ValidationError('collection request disagrees with the episode');
      });
      const response = await handler(sqsEvent(sqsRecord(forged)), lambdaContext());
      expect(response.batchItemFailures).to.deep.equal([]);
      expect(queues.to(DLQ_URL)).to.deep.equal([forged]);
      const after = await episodes.get(keyOf(e));
      expect(after).to.include({ status: 'collecting' }).and.not.have.property('error');
      // The real delivery still settles it.
      expect((await episodes.apply('markCollected', keyOf(e), {}, clock.now())).status).to.equal('collected');
    });

    it('a processing message whose s3_path is another podcast\'s does not fail the episode it names', async () => {
      const e = await pending();
      await episodes.apply('claimCollection', keyOf(e), {}, clock.now());
      const forged = JSON.stringify({ podcast_config_id: e.podcast_id, podcast_id: e.podcast_id, episode_id: e.episode_id, timestamp: e.timestamp, s3_path: `podcasts/other-show/${e.episode_id}/` });
      const handler = consumer(async () => {
        throw new ValidationError('processing message disagrees with the episode');
      });
      await handler(sqsEvent(sqsRecord(forged)), lambdaContext());
      expect((await episodes.get(keyOf(e)))?.status).to.equal('collecting');
    });

    it('a message that matches its episode\'s record still marks it failed with the reason', async () => {
      const e = await pending();
      const handler = consumer(async () => {
        throw new ValidationError('unknown podcast');
      });
      await handler(sqsEvent(sqsRecord(bodyFor(e))), lambdaContext());
      expect(await episodes.get(keyOf(e))).to.include({ status: 'failed', failed_stage: 'collecting' });
    });
  });

  describe('dead-lettering near the message size limit', () => {
    function bigConsumer(maxMessageBytes: number) {
      return createSqsConsumer({
        stage: 'collecting', deadLetterQueueUrl: DLQ_URL, maxReceiveCount: 3, maxMessageBytes, episodes, queue: queues, clock, logger: silent,
        process: async () => {
          throw new ValidationError('collection request is invalid', ['/trigger must be one of schedule, manual']);
        },
      });
    }

    it('a poison body just under the limit reaches the DLQ at once with a shortened reason that fits', async () => {
      const e = await pending();
      const body = JSON.stringify({ ...JSON.parse(bodyFor(e)), padding: 'p'.repeat(1_500) });
      const limit = Buffer.byteLength(body) + 100;
      const response = await bigConsumer(limit)(sqsEvent(sqsRecord(body)), lambdaContext());
      expect(response.batchItemFailures).to.deep.equal([]);
      const [letter] = queues.sent.filter((m) => m.queueUrl === DLQ_URL);
      expect(letter?.body).to.equal(body);
      const reason = letter?.attributes['telecast-error'] ?? '';
      expect(reason.startsWith('ValidationError: collection request is invalid'), reason).to.equal(true);
      expect(reason.endsWith('…'), reason).to.equal(true);
      const attributeBytes = Object.entries(letter?.attributes ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 6 + Buffer.byteLength(v), 0);
      expect(Buffer.byteLength(body) + attributeBytes).to.be.at.most(limit);
    });

    it('a body that leaves no room for a reason is marked failed on its episode and returned at once for SQS redrive', async () => {
      const e = await pending();
      const body = bodyFor(e);
      const record = sqsRecord(body);
      const response = await bigConsumer(Buffer.byteLength(body) + 10)(sqsEvent(record), lambdaContext());
      expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: record.messageId }]);
      expect(queues.to(DLQ_URL)).to.deep.equal([]);
      expect(queues.returned).to.deep.equal([{ queueArn: record.eventSourceARN, receiptHandle: record.receiptHandle }]);
      expect(await episodes.get(keyOf(e))).to.include({ status: 'failed', failed_stage: 'collecting' });
    });
  });
});
