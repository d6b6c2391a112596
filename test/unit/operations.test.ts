import { expect } from 'chai';
import type { CollectionSummary } from '../../src/core/contracts.ts';
import type { Episode } from '../../src/core/episodes/status.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { collectionRequestFor, processingMessageFor } from '../../src/core/handoff.ts';
import { jsonBody } from '../../src/adapters/telegram-export-reader.ts';
import { episodeKey } from '../../src/core/keys.ts';
import { episode, podcastConfig } from '../helpers/factories.ts';
import { QUEUE_URLS, operationsWorld } from '../helpers/operations-world.ts';
import { rejection } from '../helpers/rejection.ts';

const URL = QUEUE_URLS;

/** A fresh set of in-memory ports and the operations over them. */
const world = () => operationsWorld();

function summaryOf(e: Episode): CollectionSummary {
  const content_key = episodeKey(e.podcast_id, e.episode_id, 'content');
  return { channels: ['telecast_sample'], message_count: 2, window_from: '2026-11-28T07:00:00.000Z', window_to: e.timestamp, content_key };
}

const failedCollecting = episode({ status: 'failed', failed_stage: 'collecting', error: 'NotReadyError: being collected by another delivery', attempts: 3, collection_attempts: 3 });
const other = episode({ status: 'failed', failed_stage: 'collecting', attempts: 3 }, new Date('2026-11-28T07:00:00.000Z'));

describe('operations: podcasts', () => {
  it('putPodcast stores a valid configuration with its defaults filled in', async () => {
    const { ops, podcasts } = world();
    const stored = await ops.putPodcast({ podcast_id: 'cli-show', name: 'CLI Show', telegram_channels: ['@cli_channel'] });
    expect(stored).to.include({ podcast_id: 'cli-show', language: 'en', window_hours: 24 });
    expect(await podcasts.get('cli-show')).to.deep.equal(stored);
  });

  it('putPodcast gives a new English podcast naming no voice engine Flite, and a stored one keeps its engine when re-put without one', async () => {
    const { ops, podcasts } = world();
    const fields = { name: 'Show', telegram_channels: ['@cli_channel'] };
    expect(await ops.putPodcast({ podcast_id: 'new-show', ...fields })).to.include({ voice_engine: 'flite' });
    expect(await ops.putPodcast({ podcast_id: 'hebrew-show', language: 'he', ...fields })).to.include({ voice_engine: 'espeak' });
    await podcasts.put(podcastConfig({ podcast_id: 'old-show', voice_engine: 'espeak' }));
    expect(await ops.putPodcast({ podcast_id: 'old-show', ...fields, slogan: 'renamed' })).to.include({ voice_engine: 'espeak', slogan: 'renamed' });
    expect(await ops.putPodcast({ podcast_id: 'old-show', ...fields, voice_engine: 'flite' })).to.include({ voice_engine: 'flite' });
  });

  it('putPodcast refuses an invalid configuration with a ValidationError naming every bad field, and stores nothing', async () => {
    const { ops, podcasts } = world();
    const error = await rejection(ops.putPodcast({ podcast_id: 'Bad Podcast', telegram_channels: [], language: 'fr', creativity: 1.5 }));
    expect(error).to.be.instanceOf(ValidationError);
    const violations = (error as ValidationError).violations.join('\n');
    for (const field of ['/name is required', '/podcast_id', '/telegram_channels', '/language', '/creativity']) expect(violations).to.include(field);
    expect(podcasts.items.size).to.equal(0);
  });

  it('getPodcast of an unknown podcast is a NotFoundError naming it', async () => {
    const error = await rejection(world().ops.getPodcast('nobody'));
    expect(error).to.be.instanceOf(NotFoundError);
    expect(error.message).to.include('"nobody"');
  });

  it('listPodcasts returns the valid podcasts and reports a stored configuration that no longer validates', async () => {
    const { ops, podcasts } = world();
    await podcasts.put(podcastConfig());
    podcasts.items.set('broken', { podcast_id: 'broken' });
    const listed = await ops.listPodcasts();
    expect(listed.podcasts.map((p) => p.podcast_id)).to.deep.equal(['tech-pulse']);
    expect(listed.invalid.map((i) => i.podcast_id)).to.deep.equal(['broken']);
    expect(listed.invalid[0]!.error).to.include('/name is required');
  });
});

describe('operations: channel exports', () => {
  const data = {
    name: 'Sample',
    type: 'public_channel',
    id: 1,
    messages: [
      { id: 1, type: 'service', date: '2026-11-29T06:00:00', date_unixtime: '1796011200', action: 'pin_message' },
      { id: 2, type: 'message', date: '2026-11-29T06:10:00', date_unixtime: '1796011800', text: 'A long enough post about databases.' },
    ],
  };

  it("importChannelExport stores the export under the channel's key and counts its posts, not its service messages", async () => {
    const { ops, channelExports } = world();
    expect(await ops.importChannelExport('@Sample_Channel', jsonBody(data))).to.deep.equal({ channel: '@Sample_Channel', key: 'channel-exports/sample_channel/result.json', posts: 1, warnings: [] });
    expect(await channelExports.store.getJson('channel-exports/sample_channel/result.json')).to.deep.equal(data);
  });

  it('importChannelExport refuses a file that is not an export, naming what is wrong, and stores nothing', async () => {
    const { ops, channelExports } = world();
    const error = await rejection(ops.importChannelExport('@sample', jsonBody({ messages: [{ id: 'x', type: 'message', date: 'yesterday' }] })));
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.message).to.include('messages[0]: id "x" is not an integer').and.include('messages[0]: date "yesterday" is not a date');
    expect(channelExports.store.writes).to.deep.equal([]);
  });
});

describe('operations: episodes', () => {
  it('startEpisode creates a pending manual episode and sends its collection request to the collection queue', async () => {
    const { ops, podcasts, queues } = world();
    await podcasts.put(podcastConfig());
    const started = await ops.startEpisode('tech-pulse');
    expect(started).to.include({ status: 'pending', trigger: 'manual' });
    expect(queues.to(URL.collection)).to.deep.equal([collectionRequestFor(started, 'manual')]);
  });

  it('startEpisode for an unknown podcast is a NotFoundError naming it, and sends nothing', async () => {
    const { ops, queues } = world();
    const error = await rejection(ops.startEpisode('nobody'));
    expect(error).to.be.instanceOf(NotFoundError);
    expect(error.message).to.include('unknown podcast "nobody"');
    expect(queues.sent).to.deep.equal([]);
  });

  it('getEpisode of an unknown episode is a NotFoundError naming podcast and episode', async () => {
    const error = await rejection(world().ops.getEpisode('tech-pulse', '20261129T070000123Z'));
    expect(error).to.be.instanceOf(NotFoundError);
    expect(error.message).to.include('tech-pulse/20261129T070000123Z');
  });

  it('listEpisodes returns at most `limit` episodes, newest first', async () => {
    const { ops, episodes } = world();
    for (const day of [26, 27, 28]) episodes.seed(episode({}, new Date(`2026-11-${day}T07:00:00.000Z`)));
    const listed = await ops.listEpisodes('tech-pulse', { limit: 2 });
    expect(listed.map((e) => e.timestamp)).to.deep.equal(['2026-11-28T07:00:00.000Z', '2026-11-27T07:00:00.000Z']);
  });

  it('listEpisodes refuses a limit that is not a whole number from 1 to 100, naming it', async () => {
    const error = await rejection(world().ops.listEpisodes('tech-pulse', { limit: Number.NaN }));
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.message).to.include('limit must be an integer from 1 to 100');
  });
});

describe('operations: queues and dead letters', () => {
  it('queueStatus reports the depth of both queues and both DLQs, each queue before its DLQ', async () => {
    const { ops, queues } = world();
    await queues.send(URL.processingDlq, 'dead');
    const depths = await ops.queueStatus();
    expect(depths.map((d) => [d.queue, d.visible])).to.deep.equal([
      ['telegram-collection-queue', 0],
      ['telegram-collection-dlq', 0],
      ['podcast-processing-queue', 0],
      ['podcast-processing-dlq', 1],
    ]);
  });

  it('inspectDeadLetters shows the letters with their reasons and leaves them in place', async () => {
    const { ops, deadLetters } = world();
    deadLetters.processing.add('not json', { reason: 'ValidationError: message body is not JSON', stage: 'generating' });
    const letters = await ops.inspectDeadLetters('processing');
    expect(letters.map((l) => [l.body, l.reason])).to.deep.equal([['not json', 'ValidationError: message body is not JSON']]);
    expect(deadLetters.processing.letters).to.have.length(1);
  });

  it('inspectDeadLetters of a queue that does not exist is a ValidationError naming it', async () => {
    const error = await rejection(world().ops.inspectDeadLetters('podcasts'));
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.message).to.include('unknown queue "podcasts"');
  });

  it('redriveDeadLetters moves every letter back to its source queue', async () => {
    const { ops, queues, deadLetters } = world();
    deadLetters.collection.add('one').add('two');
    expect(await ops.redriveDeadLetters('collection')).to.deep.equal({ method: 'manual', moved: 2 });
    expect(queues.to(URL.collection)).to.deep.equal(['one', 'two']);
    expect(deadLetters.collection.letters).to.deep.equal([]);
  });

  it('redriveDeadLetters of an empty DLQ says 0 moved', async () => {
    expect(await world().ops.redriveDeadLetters('processing')).to.deep.equal({ method: 'manual', moved: 0 });
  });
});

describe('operations: retrying one failed episode', () => {
  const keyOf = (e: Episode) => [e.podcast_id, e.episode_id] as const;

  it("moves only that episode's letter back from the DLQ of the stage it failed in; other letters stay", async () => {
    const { ops, episodes, queues, deadLetters } = world();
    episodes.seed(failedCollecting);
    const mine = JSON.stringify(collectionRequestFor(failedCollecting, 'manual'));
    deadLetters.collection.add(collectionRequestFor(other, 'manual')).add('{"podcast_id": oops').add(mine);

    expect(await ops.redriveEpisode(...keyOf(failedCollecting))).to.deep.equal({ method: 'dead-letter', moved: 1, queue: 'collection' });
    expect(queues.to(URL.collection)).to.deep.equal([mine]);
    expect(deadLetters.collection.letters.map((l) => l.body)).to.deep.equal([JSON.stringify(collectionRequestFor(other, 'manual')), '{"podcast_id": oops']);
  });

  it('moves a letter of an episode failed at generating back from the processing DLQ', async () => {
    const { ops, episodes, queues, deadLetters } = world();
    const base = episode({ status: 'failed', failed_stage: 'generating', attempts: 1 });
    const failed = { ...base, result: summaryOf(base) };
    episodes.seed(failed);
    deadLetters.processing.add(processingMessageFor(failed, failed.result));

    expect(await ops.redriveEpisode(...keyOf(failed))).to.deep.equal({ method: 'dead-letter', moved: 1, queue: 'processing' });
    expect(queues.to(URL.processing)).to.deep.equal([JSON.stringify(processingMessageFor(failed, failed.result))]);
    expect(queues.to(URL.collection)).to.deep.equal([]);
  });

  it('re-sends the collection request when the DLQ no longer holds the letter of an episode failed at queued', async () => {
    const { ops, episodes, queues, deadLetters } = world();
    const failed = episode({ status: 'failed', failed_stage: 'queued', trigger: 'schedule', error: 'could not enqueue the collection request' });
    episodes.seed(failed);
    deadLetters.collection.add(collectionRequestFor(other, 'manual'));

    expect(await ops.redriveEpisode(...keyOf(failed))).to.deep.equal({ method: 'resent', moved: 0, queue: 'collection' });
    expect(queues.to(URL.collection)).to.deep.equal([collectionRequestFor(failed, 'schedule')]);
    expect(deadLetters.collection.letters, "another episode's letter stays").to.have.length(1);
  });

  it('re-sends the processing message built from the collection result when the processing DLQ no longer holds it', async () => {
    const { ops, episodes, queues } = world();
    const base = episode({ status: 'failed', failed_stage: 'generating', attempts: 3 });
    const failed = { ...base, result: summaryOf(base) };
    episodes.seed(failed);

    expect(await ops.redriveEpisode(...keyOf(failed))).to.deep.equal({ method: 'resent', moved: 0, queue: 'processing' });
    expect(queues.to(URL.processing)).to.deep.equal([processingMessageFor(failed, failed.result)]);
  });

  it('refuses, with a ConflictError, to re-send generation for an episode that has no collection result', async () => {
    const { ops, episodes, queues } = world();
    const failed = episode({ status: 'failed', failed_stage: 'generating' });
    episodes.seed(failed);
    const error = await rejection(ops.redriveEpisode(...keyOf(failed)));
    expect(error).to.be.instanceOf(ConflictError);
    expect(error.message).to.include('no collection result');
    expect(queues.sent).to.deep.equal([]);
  });

  it('refuses an episode that is not failed with a ConflictError naming its status, and changes nothing', async () => {
    const { ops, episodes, queues, deadLetters } = world();
    const completed = episode({ status: 'completed', attempts: 1 });
    episodes.seed(completed);
    deadLetters.collection.add(collectionRequestFor(completed, 'manual'));

    const error = await rejection(ops.redriveEpisode(...keyOf(completed)));
    expect(error).to.be.instanceOf(ConflictError);
    expect(error.message).to.include('is completed, not failed');
    expect(await episodes.get({ podcastId: completed.podcast_id, episodeId: completed.episode_id })).to.deep.equal(completed);
    expect(deadLetters.collection.letters).to.have.length(1);
    expect(queues.sent).to.deep.equal([]);
  });

  it('refuses an unknown episode with a NotFoundError naming it', async () => {
    const error = await rejection(world().ops.redriveEpisode('tech-pulse', '20261129T070000123Z'));
    expect(error).to.be.instanceOf(NotFoundError);
    expect(error.message).to.include('tech-pulse/20261129T070000123Z');
  });
});

describe('operations: retrying an episode failed at generating with a new script', () => {
  const keyOf = (e: Episode) => [e.podcast_id, e.episode_id] as const;
  const failedGenerating = () => {
    const base = episode({ status: 'failed', failed_stage: 'generating', attempts: 2, generation_attempts: 2 });
    return { ...base, result: summaryOf(base) };
  };

  it("discards the episode's own processing dead letters, leaves the others, and sends its message asking for a new script as of now", async () => {
    const { ops, episodes, queues, deadLetters, clock } = world();
    const failed = failedGenerating();
    episodes.seed(failed);
    const othersLetter = JSON.stringify(processingMessageFor(other, summaryOf(other)));
    deadLetters.processing.add(processingMessageFor(failed, failed.result)).add(othersLetter).add(processingMessageFor(failed, failed.result));

    expect(await ops.redriveEpisode(...keyOf(failed), { newScript: true })).to.deep.equal({ method: 'new-script', moved: 0, discarded: 2, queue: 'processing' });
    expect(deadLetters.processing.letters.map((l) => l.body), "another episode's letter stays").to.deep.equal([othersLetter]);
    expect(queues.to(URL.processing), 'the new message only: no old letter moved back beside it').to.deep.equal([
      processingMessageFor(failed, failed.result, { newScriptRequestedAt: clock.now() }),
    ]);
    expect((queues.to(URL.processing)[0] as { new_script?: unknown }).new_script).to.deep.equal({ requested_at: clock.now().toISOString() });
  });

  it('sends the new-script message when the DLQ holds no letter of the episode', async () => {
    const { ops, episodes, queues } = world();
    const failed = failedGenerating();
    episodes.seed(failed);
    expect(await ops.redriveEpisode(...keyOf(failed), { newScript: true })).to.include({ method: 'new-script', discarded: 0 });
    expect(queues.to(URL.processing)).to.have.length(1);
  });

  it('refuses an episode failed at collecting, saying it has no script to write anew, and changes nothing', async () => {
    const { ops, episodes, queues, deadLetters } = world();
    episodes.seed(failedCollecting);
    deadLetters.collection.add(collectionRequestFor(failedCollecting, 'manual'));
    const error = await rejection(ops.redriveEpisode(...keyOf(failedCollecting), { newScript: true }));
    expect(error).to.be.instanceOf(ConflictError);
    expect(error.message).to.include('failed at collecting, not generating');
    expect(deadLetters.collection.letters).to.have.length(1);
    expect(queues.sent).to.deep.equal([]);
  });

  it('refuses a completed episode: a completed episode is never regenerated', async () => {
    const { ops, episodes, queues, deadLetters } = world();
    const completed = { ...episode({ status: 'completed', attempts: 1 }), result: summaryOf(episode({})) };
    episodes.seed(completed);
    deadLetters.processing.add(processingMessageFor(completed, completed.result));
    const error = await rejection(ops.redriveEpisode(...keyOf(completed), { newScript: true }));
    expect(error).to.be.instanceOf(ConflictError);
    expect(error.message).to.include('never regenerated');
    expect(deadLetters.processing.letters, 'its letter is not discarded').to.have.length(1);
    expect(queues.sent).to.deep.equal([]);
  });

  it('refuses an episode still generating, and one with no collection result, before discarding anything', async () => {
    const { ops, episodes, queues, deadLetters } = world();
    const generating = episode({ status: 'generating', attempts: 1 });
    const noResult = episode({ status: 'failed', failed_stage: 'generating' }, new Date('2026-11-27T07:00:00.000Z'));
    episodes.seed(generating);
    episodes.seed(noResult);
    deadLetters.processing.add({ podcast_id: noResult.podcast_id, episode_id: noResult.episode_id });
    expect((await rejection(ops.redriveEpisode(...keyOf(generating), { newScript: true }))).message).to.include('is generating, not failed');
    expect((await rejection(ops.redriveEpisode(...keyOf(noResult), { newScript: true }))).message).to.include('no collection result');
    expect(deadLetters.processing.letters).to.have.length(1);
    expect(queues.sent).to.deep.equal([]);
  });
});
