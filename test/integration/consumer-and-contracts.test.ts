import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { expect } from 'chai';
import { collectEpisode } from '../../src/core/collection/collect-episode.ts';
import { parseCollectionRequest, parseProcessingMessage } from '../../src/core/contracts.ts';
import { NotReadyError, ValidationError } from '../../src/core/errors.ts';
import { systemClock, type ChannelReader } from '../../src/core/ports.ts';
import { EpisodeInFlightError, triggerEpisode } from '../../src/core/episodes/start-episode.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { createSqsConsumer } from '../../src/handlers/common/sqs-consumer.ts';
import { lambdaContext, podcastConfig, post, sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';

const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

async function receiveAll(aws: EmulatedAws, url: string): Promise<Message[]> {
  const out = await aws.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'], VisibilityTimeout: 30 }),
  );
  return out.Messages ?? [];
}

describe('SQS consumer failure policy on the emulators', function () {
  this.timeout(30_000);
  let aws: EmulatedAws;
  let seq = 0;
  before(async () => {
    aws = await startEmulatedAws();
  });
  after(() => aws?.stop());

  async function pending() {
    const podcastId = `consumer-${++seq}`;
    await aws.podcasts.put(podcastConfig({ podcast_id: podcastId }));
    const e = newEpisode({ podcast_id: podcastId }, 'schedule', new Date(Date.UTC(2026, 10, 29, 7, 0, 0, seq)));
    await aws.episodes.create(e);
    return e;
  }
  // A real request names its episode's creation time (handoff.ts): the consumer marks only the episode it proves to be about.
  function bodyFor(e: { podcast_id: string; episode_id: string; created_at: string }): string {
    return JSON.stringify({ schema_version: 1, podcast_id: e.podcast_id, episode_id: e.episode_id, trigger: 'schedule', requested_at: e.created_at });
  }
  function consumer(process: (body: string) => Promise<void>) {
    const dlq = aws.resources.queues.collection!.dlqUrl;
    return createSqsConsumer({
      stage: 'collecting',
      deadLetterQueueUrl: dlq,
      maxReceiveCount: 3,
      episodes: aws.episodes,
      queue: aws.queue,
      clock: systemClock,
      logger: silent,
      process: (record) => process(record.body),
    });
  }

  it('reports only the record that failed transiently; the rest of the batch succeeds', async () => {
    const [a, b, c] = [await pending(), await pending(), await pending()];
    const handled: string[] = [];
    const handler = consumer(async (body) => {
      const { episode_id } = JSON.parse(body);
      if (episode_id === b.episode_id) throw new NotReadyError('someone else holds the lease');
      handled.push(episode_id);
    });
    const records = [a, b, c].map((e) => sqsRecord(bodyFor(e)));
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: records[1]!.messageId }]);
    expect(handled).to.deep.equal([a.episode_id, c.episode_id]);
    const failedEpisode = await aws.episodes.get({ podcastId: b.podcast_id, episodeId: b.episode_id });
    expect(failedEpisode).to.include({ status: 'pending', last_error: 'NotReadyError: someone else holds the lease' });
  });

  it('does not start a record when less time is left than the slowest record took: it is reported failed, untouched', async () => {
    const [a, b] = [await pending(), await pending()];
    let remaining = 60_000;
    const started: string[] = [];
    // The first record takes 20 ms of wall time and, by the context's clock, 50 of the 60 s left.
    const slow = consumer(async (body) => {
      started.push(JSON.parse(body).episode_id);
      remaining -= 50_000;
      await new Promise((r) => setTimeout(r, 20));
    });
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => remaining };
    const records = [a, b].map((e) => sqsRecord(bodyFor(e)));
    const response = await slow(sqsEvent(...records), context);
    expect(started).to.deep.equal([a.episode_id]);
    expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: records[1]!.messageId }]);
    expect(await aws.episodes.get({ podcastId: b.podcast_id, episodeId: b.episode_id })).to.include({ status: 'pending' }).and.not.have.property('last_error');
  });

  it('on the last allowed receive marks the episode failed with the reason before SQS dead-letters it', async () => {
    const e = await pending();
    const handler = consumer(async () => {
      throw new NotReadyError('still locked');
    });
    const record = sqsRecord(bodyFor(e), {}, 3);
    const response = await handler(sqsEvent(record), lambdaContext());
    expect(response.batchItemFailures).to.have.length(1);
    expect(await aws.episodes.get({ podcastId: e.podcast_id, episodeId: e.episode_id })).to.include({
      status: 'failed',
      failed_stage: 'collecting',
      error: 'NotReadyError: still locked (gave up after 3 receives)',
    });
  });

  it('dead-letters a permanent failure at once with its reason, and acknowledges it', async () => {
    const e = await pending();
    const handler = consumer(async () => {
      throw new ValidationError('invalid collection request', ['/trigger must be one of schedule, manual']);
    });
    const record = sqsRecord(bodyFor(e));
    const response = await handler(sqsEvent(record), lambdaContext());
    expect(response.batchItemFailures).to.deep.equal([]);
    const [letter] = await receiveAll(aws, aws.resources.queues.collection!.dlqUrl);
    expect(letter?.Body).to.equal(record.body);
    expect(letter?.MessageAttributes?.['telecast-error']?.StringValue).to.equal(
      'ValidationError: invalid collection request: /trigger must be one of schedule, manual',
    );
    expect(letter?.MessageAttributes?.['telecast-stage']?.StringValue).to.equal('collecting');
    expect(letter?.MessageAttributes?.['telecast-source-message-id']?.StringValue).to.equal(record.messageId);
    expect(await aws.episodes.get({ podcastId: e.podcast_id, episodeId: e.episode_id })).to.include({ status: 'failed', failed_stage: 'collecting' });
  });
});

describe('contracts on the wire', function () {
  this.timeout(30_000);
  let aws: EmulatedAws;
  before(async () => {
    aws = await startEmulatedAws();
  });
  after(() => aws?.stop());

  it('the collection request the trigger sends is the schema the collector accepts, with ids as attributes', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'wire' }));
    const q = aws.resources.queues.collection!;
    const episode = await triggerEpisode(
      { podcasts: aws.podcasts, episodes: aws.episodes, queue: aws.queue, clock: systemClock, collectionQueueUrl: q.url },
      'wire',
      'manual',
    );
    const [message] = await receiveAll(aws, q.url);
    const request = parseCollectionRequest(JSON.parse(message?.Body ?? ''));
    expect(request).to.deep.equal({
      schema_version: 1,
      podcast_id: 'wire',
      episode_id: episode.episode_id,
      trigger: 'manual',
      requested_at: episode.created_at,
    });
    expect(message?.MessageAttributes?.episode_id?.StringValue).to.equal(episode.episode_id);
    expect((await aws.episodes.get({ podcastId: 'wire', episodeId: episode.episode_id }))?.status).to.equal('pending');
  });

  it('of two triggers at the same moment exactly one starts an episode; the other is refused and leaves nothing behind', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'race' }));
    const q = aws.resources.queues.collection!;
    let tick = Date.UTC(2026, 10, 29, 7);
    // Both read "nothing in flight" before either creates (forced here: the read sees nothing), with distinct,
    // increasing creation times.
    const blindEpisodes = Object.assign(Object.create(aws.episodes) as typeof aws.episodes, { latestChannelEpisode: async () => undefined });
    const deps = { podcasts: aws.podcasts, episodes: blindEpisodes, queue: aws.queue, clock: { now: () => new Date(tick++) }, collectionQueueUrl: q.url };
    const results = await Promise.allSettled([triggerEpisode(deps, 'race', 'schedule'), triggerEpisode(deps, 'race', 'manual')]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).to.be.instanceOf(EpisodeInFlightError);
    const episodes = await aws.episodes.listForPodcast('race');
    expect(episodes).to.have.length(1);
    expect(episodes[0]?.episode_id).to.equal((results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ episode_id: string }>).value.episode_id);
  });

  it('of two triggers the one whose write comes second is refused even when its clock is earlier: the store orders them', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'race-clocks' }));
    const q = aws.resources.queues.collection!;
    const blindEpisodes = Object.assign(Object.create(aws.episodes) as typeof aws.episodes, { latestChannelEpisode: async () => undefined });
    const at = (ms: number) => ({ now: () => new Date(ms) });
    const base = { podcasts: aws.podcasts, episodes: blindEpisodes, queue: aws.queue, collectionQueueUrl: q.url };
    // The operator's trigger writes first with a clock 10 ms ahead; the tick writes second, its clock behind.
    const first = await triggerEpisode({ ...base, clock: at(Date.UTC(2026, 10, 29, 8, 0, 0, 10)) }, 'race-clocks', 'manual');
    const second = await triggerEpisode({ ...base, clock: at(Date.UTC(2026, 10, 29, 8, 0, 0, 0)) }, 'race-clocks', 'schedule').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(second).to.be.instanceOf(EpisodeInFlightError);
    expect((second as EpisodeInFlightError).episode.episode_id).to.equal(first.episode_id);
    expect((await aws.episodes.listForPodcast('race-clocks')).map((e) => e.episode_id)).to.deep.equal([first.episode_id]);
  });

  it('a settled episode gives its podcast\'s in-flight place back, so the next trigger starts', async () => {
    await aws.podcasts.put(podcastConfig({ podcast_id: 'race-next' }));
    const q = aws.resources.queues.collection!;
    const deps = { podcasts: aws.podcasts, episodes: aws.episodes, queue: aws.queue, clock: systemClock, collectionQueueUrl: q.url };
    const first = await triggerEpisode(deps, 'race-next', 'manual');
    await aws.episodes.apply('markFailed', { podcastId: 'race-next', episodeId: first.episode_id }, { error: 'x', failed_stage: 'queued' }, new Date());
    const next = await triggerEpisode(deps, 'race-next', 'manual');
    expect(next.episode_id).to.not.equal(first.episode_id);
  });

  it('the processing message the collector sends is the schema the generator accepts, and the content stays in S3', async () => {
    const podcast = podcastConfig({ podcast_id: 'wire-2', window_hours: 2 });
    await aws.podcasts.put(podcast);
    const created = new Date();
    const episode = newEpisode(podcast, 'manual', created);
    await aws.episodes.create(episode);
    const recent = new Date(created.getTime() - 600_000).toISOString();
    const reader: ChannelReader = {
      source: 'web',
      unreadable: async () => undefined,
      fetchMedia: async () => {
        throw new Error('no media in this test');
      },
      async *read() {
        yield [post({ id: 1, date: recent, text: 'A long enough story about a brand new compiler release.' })];
      },
    };
    const processing = aws.resources.queues.processing!;
    const result = await collectEpisode(
      { podcasts: aws.podcasts, episodes: aws.episodes, objects: aws.objects, queue: aws.queue, readers: { readerFor: async () => reader, unreadable: async () => undefined }, progress: aws.progress, clock: systemClock, processingQueueUrl: processing.url },
      { schema_version: 1, podcast_id: 'wire-2', episode_id: episode.episode_id, trigger: 'manual', requested_at: episode.created_at },
      60,
    );
    expect(result.outcome).to.equal('collected');
    const [message] = await receiveAll(aws, processing.url);
    const parsed = parseProcessingMessage(JSON.parse(message?.Body ?? ''));
    expect(parsed.s3_path).to.equal(`podcasts/wire-2/${episode.episode_id}/`);
    expect(parsed.result.message_count).to.equal(1);
    expect(message?.Body).to.not.include('compiler release');
    const content = await aws.objects.getJson<{ posts: unknown[] }>(parsed.result.content_key);
    expect(content.posts).to.have.length(1);
  });
});
