// The SQS consumer names the message behind each transition, so an episode's timeline shows every hand-off.
import { expect } from 'chai';
import { Logger } from '@aws-lambda-powertools/logger';
import { collectionRequestFor } from '../../src/core/handoff.ts';
import { numberAttempts } from '../../src/core/episodes/status.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { createSqsConsumer, recordingMessageId } from '../../src/handlers/common/sqs-consumer.ts';
import { episode, lambdaContext, sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { ManualClock, MemoryEpisodes, MemoryQueues } from '../helpers/memory-ports.ts';

const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

/** The collection consumer over `episodes` with the given work per record. */
function consumer(episodes: MemoryEpisodes, clock: ManualClock, process: Parameters<typeof createSqsConsumer>[0]['process']) {
  return createSqsConsumer({
    stage: 'collecting',
    deadLetterQueueUrl: 'https://sqs.eu-central-1.amazonaws.com/000000000000/dlq',
    maxReceiveCount: 3,
    episodes,
    queue: new MemoryQueues(),
    clock,
    logger: silent,
    process,
  });
}

describe('episode timeline', () => {
  it('a transition applied through the consumer records the SQS message id of its record', async () => {
    const episodes = new MemoryEpisodes();
    const e = episode();
    episodes.seed(e);
    const clock = new ManualClock(new Date('2026-11-29T07:00:01.000Z'));
    const consume = consumer(episodes, clock, async (_record, _log, _context, scoped) => {
      await scoped.apply('claimCollection', { podcastId: e.podcast_id, episodeId: e.episode_id }, {}, clock.now());
    });
    await consume(sqsEvent(sqsRecord(JSON.stringify(collectionRequestFor(e, 'manual')), { messageId: 'msg-42' })), lambdaContext());
    const stored = await episodes.get({ podcastId: e.podcast_id, episodeId: e.episode_id });
    expect(stored!.timeline).to.deep.equal([{ transition: 'claimCollection', status: 'collecting', at: '2026-11-29T07:00:01.000Z', message_id: 'msg-42' }]);
  });

  it('a permanent failure marked by the consumer names its message and its error', async () => {
    const episodes = new MemoryEpisodes();
    const e = episode();
    episodes.seed(e);
    const consume = consumer(episodes, new ManualClock(new Date('2026-11-29T07:00:01.000Z')), async () => {
      throw new ValidationError('bad channel');
    });
    await consume(sqsEvent(sqsRecord(JSON.stringify(collectionRequestFor(e, 'manual')), { messageId: 'msg-7' })), lambdaContext());
    const [entry] = (await episodes.get({ podcastId: e.podcast_id, episodeId: e.episode_id }))!.timeline!;
    expect(entry).to.include({ transition: 'markFailed', status: 'failed', message_id: 'msg-7' });
    expect(entry!.error).to.match(/bad channel/);
  });

  it('recordingMessageId leaves every other method of the repository as it was', async () => {
    const episodes = new MemoryEpisodes();
    episodes.seed(episode());
    const scoped = recordingMessageId(episodes, 'm');
    expect(await scoped.listForPodcast('tech-pulse')).to.have.length(1);
  });

  it('numbers each claim by its stage: a redriven stage shows try 2', () => {
    const at = '2026-11-29T07:00:00.000Z';
    const numbered = numberAttempts([
      { transition: 'claimCollection', status: 'collecting', at },
      { transition: 'markCollected', status: 'collected', at },
      { transition: 'claimGeneration', status: 'generating', at },
      { transition: 'markFailed', status: 'failed', at, error: 'x' },
      { transition: 'claimGeneration', status: 'generating', at },
    ]);
    expect(numbered.map((e) => e.attempt)).to.deep.equal([1, undefined, 1, undefined, 2]);
  });
});
