// The metrics each stage emits, read back from the EMF lines Powertools writes to stdout (parsed as CloudWatch would:
// src/cli/metrics.ts follows the EMF specification), for the real handlers over in-memory ports.
import { Logger } from '@aws-lambda-powertools/logger';
import { expect } from 'chai';
import catalogue from '../../terraform/metrics.json' with { type: 'json' };
import { parseEmfLine, parseSince, summarizeMetrics, type MetricSample } from '../../src/cli/metrics.ts';
import { newEpisode, type Episode } from '../../src/core/episodes/status.ts';
import { DownstreamError, ValidationError } from '../../src/core/errors.ts';
import { collectionRequestFor, collectionSummaryOf, episodeContentFor, processingMessageFor } from '../../src/core/handoff.ts';
import { metricsBatch } from '../../src/handlers/common/metrics.ts';
import { createSqsConsumer } from '../../src/handlers/common/sqs-consumer.ts';
import { createHandler as createPodcastfy } from '../../src/handlers/podcastfy.ts';
import { createHandler as createScheduler } from '../../src/handlers/scheduler.ts';
import { createHandler as createTelegram } from '../../src/handlers/telegram.ts';
import { lambdaContext, podcastConfig, post, sqsEvent, sqsRecord } from '../helpers/factories.ts';
import { MemoryAudioStore, ToneSynthesizer, memoryEngines } from '../helpers/memory-engines.ts';
import { ManualClock, MemoryChannelProgress, MemoryChannels, MemoryEpisodes, MemoryObjects, MemoryPodcasts, MemoryQueues } from '../helpers/memory-ports.ts';

const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const DLQ = 'memory://dlq';
const PROCESSING = 'memory://processing';
const created = new Date('2026-11-29T07:00:00.000Z');

/** Runs `work`, keeping every EMF line written to stdout meanwhile (and only those: other output passes through). */
async function emitted(work: () => Promise<unknown>): Promise<{ samples: MetricSample[]; lines: Array<Record<string, unknown>> }> {
  const write = process.stdout.write.bind(process.stdout);
  const lines: string[] = [];
  const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('"_aws"')) return lines.push(...text.split('\n').filter(Boolean)), true;
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = write;
    if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = disabled;
  }
  return { samples: lines.flatMap(parseEmfLine), lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** name → {dimensions (service left out), total}, for concise expectations. */
function totals(samples: MetricSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of summarizeMetrics(samples)) if (row.name !== 'ColdStart') out[`${row.name}${row.dimensions ? ` ${row.dimensions}` : ''}`] = row.sum;
  return out;
}

function world() {
  const clock = new ManualClock(new Date(created.getTime() + 1_000));
  return {
    podcasts: new MemoryPodcasts(),
    episodes: new MemoryEpisodes(),
    objects: new MemoryObjects(),
    queue: new MemoryQueues(),
    progress: new MemoryChannelProgress(),
    clock,
  };
}

describe('metrics: what each stage emits, as EMF', () => {
  it('collecting: an episode started and collected, its posts read and kept, the stage time; all in namespace Telecast with service and stage', async () => {
    const w = world();
    const readers = new MemoryChannels();
    readers.add('telecast_sample', post({ id: 1, date: '2026-11-29T05:00:00.000Z' }), post({ id: 2, date: '2026-11-29T05:30:00.000Z', text: 'ok' }));
    const podcast = podcastConfig();
    await w.podcasts.put(podcast);
    const episode = newEpisode(podcast, 'manual', created);
    w.episodes.seed(episode);
    const handler = createTelegram({ ...w, readers, processingQueueUrl: PROCESSING, deadLetterQueueUrl: DLQ, maxReceiveCount: 3, logger: silent });
    const { samples, lines } = await emitted(() => handler(sqsEvent(sqsRecord(JSON.stringify(collectionRequestFor(episode, 'manual')))), lambdaContext()));

    const stats = (await w.episodes.get({ podcastId: episode.podcast_id, episodeId: episode.episode_id }))!.result!.channel_stats!;
    expect(totals(samples)).to.deep.equal({
      'EpisodesStarted stage=collecting': 1,
      'EpisodesCollected stage=collecting': 1,
      'PostsRead stage=collecting': stats[0]!.read,
      'PostsKept stage=collecting': stats[0]!.kept,
      'StageDuration stage=collecting': samples.find((s) => s.name === 'StageDuration')!.value,
    });
    expect(stats[0]!.read).to.equal(2);
    for (const s of samples.filter((x) => x.name !== 'ColdStart')) {
      expect(s).to.include({ namespace: 'Telecast', unit: catalogue.metrics[s.name as keyof typeof catalogue.metrics].unit });
      expect(s.dimensions).to.deep.equal({ service: 'telecast', stage: 'collecting' });
    }
    // The ids ride along as metadata for Logs Insights, never as dimensions.
    const line = lines.find((l) => 'EpisodesCollected' in l)!;
    expect(line).to.include({ podcast_id: episode.podcast_id, episode_id: episode.episode_id });
    expect((line._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions).to.deep.equal([['service', 'stage']]);
    expect(samples.filter((s) => s.name === 'ColdStart')).to.have.length.at.most(1);
  });

  it('collecting: a skipped episode is counted skipped, and a retried collection is not a second start', async () => {
    const w = world();
    const podcast = podcastConfig();
    await w.podcasts.put(podcast);
    const episode = { ...newEpisode(podcast, 'manual', created), status: 'failed' as const, failed_stage: 'collecting' as const, collection_attempts: 1 };
    w.episodes.seed(episode);
    const handler = createTelegram({ ...w, readers: new MemoryChannels(), processingQueueUrl: PROCESSING, deadLetterQueueUrl: DLQ, maxReceiveCount: 3, logger: silent });
    const { samples } = await emitted(() => handler(sqsEvent(sqsRecord(JSON.stringify(collectionRequestFor(episode, 'manual')))), lambdaContext()));
    const got = totals(samples);
    expect(got).to.include({ 'EpisodesSkipped stage=collecting': 1, 'PostsRead stage=collecting': 0, 'PostsKept stage=collecting': 0 });
    expect(got).to.not.have.any.keys('EpisodesStarted stage=collecting', 'EpisodesCollected stage=collecting');
    expect(got).to.have.property('StageDuration stage=collecting');
  });

  describe('failures', () => {
    async function failing(error: Error, receiveCount: number, setup: { dlqFails?: Error; maxMessageBytes?: number } = {}) {
      const w = world();
      if (setup.dlqFails) w.queue.failNext.set(DLQ, setup.dlqFails);
      const podcast = podcastConfig();
      await w.podcasts.put(podcast);
      const episode = newEpisode(podcast, 'schedule', created);
      w.episodes.seed({ ...episode, status: 'collecting', collection_attempts: 1 });
      const consumer = createSqsConsumer({
        stage: 'collecting',
        deadLetterQueueUrl: DLQ,
        maxReceiveCount: 3,
        episodes: w.episodes,
        queue: w.queue,
        clock: w.clock,
        logger: silent,
        ...(setup.maxMessageBytes ? { maxMessageBytes: setup.maxMessageBytes } : {}),
        process: async () => {
          throw error;
        },
      });
      const body = JSON.stringify(collectionRequestFor(episode, 'schedule'));
      return totals((await emitted(() => consumer(sqsEvent(sqsRecord(body, {}, receiveCount)), lambdaContext()))).samples);
    }

    it('a permanent failure: dead-lettered with its error class as the reason, the episode failed at its stage, no stage time', async () => {
      expect(await failing(new ValidationError('bad posts'), 1)).to.deep.equal({
        'DeadLettered reason=ValidationError stage=collecting': 1,
        'EpisodesFailed stage=collecting': 1,
      });
    });

    it('a transient failure on the last receive: RetriesExhausted; before it, nothing (SQS retries)', async () => {
      expect(await failing(new DownstreamError('telegram is down'), 3)).to.deep.equal({
        'DeadLettered reason=RetriesExhausted stage=collecting': 1,
        'EpisodesFailed stage=collecting': 1,
      });
      expect(await failing(new DownstreamError('telegram is down'), 1)).to.deep.equal({});
    });

    it('a permanent failure whose copy to the DLQ fails is not dead-lettered yet: it comes back and is counted then', async () => {
      const got = await failing(new ValidationError('bad posts'), 1, { dlqFails: new DownstreamError('SQS is down') });
      expect(got).to.not.have.any.keys('DeadLettered reason=ValidationError stage=collecting');
      expect(got).to.include({ 'EpisodesFailed stage=collecting': 1 });
    });

    it('a permanent failure too large to copy is dead-lettered once, by SQS redrive after its last receive', async () => {
      // Each receive fails the same way (the episode is marked failed on the first); only the last one reaches the DLQ.
      const tooLarge = { maxMessageBytes: 64 };
      expect(await failing(new ValidationError('bad posts'), 1, tooLarge)).to.not.have.any.keys('DeadLettered reason=ValidationError stage=collecting');
      expect(await failing(new ValidationError('bad posts'), 2, tooLarge)).to.not.have.any.keys('DeadLettered reason=ValidationError stage=collecting');
      expect(await failing(new ValidationError('bad posts'), 3, tooLarge)).to.include({ 'DeadLettered reason=ValidationError stage=collecting': 1 });
    });
  });

  it('generating: completed with its audio seconds, the characters sent to the voice, tokens (0 offline), latency and stage time', async () => {
    const w = world();
    const synthesizer = new ToneSynthesizer();
    const podcast = podcastConfig();
    await w.podcasts.put(podcast);
    const base = newEpisode(podcast, 'manual', created);
    const content = episodeContentFor(podcast, base, { from: new Date(created.getTime() - 86_400_000), to: created }, [post({ id: 1 }), post({ id: 2, text: 'Second story. With a second sentence here.' })], created);
    const result = collectionSummaryOf(base, content);
    await w.objects.putJson(result.content_key, content);
    const episode: Episode = { ...base, status: 'collected', result, content_key: result.content_key, collection_attempts: 1, attempts: 1 };
    w.episodes.seed(episode);
    w.clock.set(new Date(created.getTime() + 90_000));
    const handler = createPodcastfy({ ...w, engines: memoryEngines(synthesizer), audio: new MemoryAudioStore(), deadLetterQueueUrl: DLQ, maxReceiveCount: 3, logger: silent });
    const { samples } = await emitted(() => handler(sqsEvent(sqsRecord(JSON.stringify(processingMessageFor(episode, result)))), lambdaContext()));

    const done = (await w.episodes.get({ podcastId: episode.podcast_id, episodeId: episode.episode_id }))!;
    expect(done.status).to.equal('completed');
    const got = totals(samples);
    expect(got).to.include({
      'EpisodesCompleted stage=generating': 1,
      'AudioSeconds stage=generating': done.duration_seconds,
      'TtsCharacters stage=generating': synthesizer.calls.reduce((n, c) => n + c.text.length, 0),
      'LlmInputTokens stage=generating': 0,
      'LlmOutputTokens stage=generating': 0,
      'EpisodeLatency stage=generating': 90,
    });
    expect(got['TtsCharacters stage=generating']).to.be.above(100);
    expect(got['StageDuration stage=generating']).to.be.a('number').at.least(0);
  });

  it('generating, direct { podcast_id, text }: counted like a queued episode, started and completed, or failed at its stage', async () => {
    const w = world();
    const synthesizer = new ToneSynthesizer();
    const podcast = podcastConfig();
    await w.podcasts.put(podcast);
    const handler = createPodcastfy({ ...w, engines: memoryEngines(synthesizer), audio: new MemoryAudioStore(), deadLetterQueueUrl: DLQ, maxReceiveCount: 3, logger: silent });
    const request = { podcast_id: podcast.podcast_id, text: 'A direct story, read aloud for everyone who listens.' };
    const completed = totals((await emitted(() => handler(request, lambdaContext()))).samples);
    expect(completed).to.include({ 'EpisodesStarted stage=collecting': 1, 'EpisodesCompleted stage=generating': 1 });
    expect(completed['TtsCharacters stage=generating']).to.equal(synthesizer.calls.reduce((n, c) => n + c.text.length, 0));

    w.clock.set(new Date(w.clock.now().getTime() + 60_000)); // a new episode id
    synthesizer.failOn.set(synthesizer.calls.length + 1, new ValidationError('voice refused'));
    const failed = await emitted(() => handler(request, lambdaContext()).catch(() => undefined));
    expect(totals(failed.samples)).to.include({ 'EpisodesStarted stage=collecting': 1, 'EpisodesFailed stage=generating': 1 });
    expect(totals(failed.samples)).to.not.have.any.keys('EpisodesCompleted stage=generating');
  });

  it('scheduler: a stuck episode swept is failed at its stage; the stalled gauges compare the newest completion with the longest frequency + margin', async () => {
    const w = world();
    const now = new Date('2026-11-30T12:00:00.000Z');
    w.clock.set(now);
    const daily = podcastConfig({ podcast_id: 'daily', episode_frequency_hours: 24 });
    const weekly = podcastConfig({ podcast_id: 'weekly', episode_frequency_hours: 168, enabled: false });
    await w.podcasts.put(daily);
    await w.podcasts.put(weekly);
    const done = newEpisode(daily, 'schedule', new Date(now.getTime() - 31 * 3_600_000));
    w.episodes.seed({ ...done, status: 'completed', completed_at: new Date(now.getTime() - 30 * 3_600_000).toISOString() });
    const stuck = newEpisode(daily, 'schedule', new Date(now.getTime() - 10 * 3_600_000));
    w.episodes.seed({ ...stuck, status: 'pending', updated_at: stuck.created_at });
    const handler = createScheduler({
      ...w,
      inspector: w.queue,
      readers: new MemoryChannels(),
      queues: [],
      collectionQueueUrl: 'memory://collection',
      stuckAfterMinutes: 60,
      stalledMarginHours: 6,
      logger: silent,
    });
    const { samples } = await emitted(() => handler({}, { functionName: 'telecast-test-scheduler' }));
    const got = totals(samples);
    // Only the enabled podcast's frequency counts: 24 h + 6 h; its newest completion was 30 h ago.
    expect(got).to.include({ 'EpisodesFailed stage=queued': 1, HoursSinceCompletion: 30, CompletionExpectedHours: 30 });
    expect(samples.find((s) => s.name === 'HoursSinceCompletion')!.dimensions).to.deep.equal({ service: 'telecast' });
  });

  describe('the catalogue guards the names', () => {
    it('refuses a metric terraform/metrics.json does not list, a missing dimension and a dimension value it does not list', () => {
      const batch = metricsBatch();
      expect(() => batch.add('EpisodesFinished' as never, 1)).to.throw(/not in terraform\/metrics.json/);
      expect(() => batch.add('EpisodesCompleted', 1)).to.throw(/takes dimensions \[stage\]/);
      expect(() => batch.add('EpisodesCompleted', 1, { stage: 'publishing' })).to.throw(/stage "publishing" is not one of generating/);
      expect(() => batch.add('EpisodesCompleted', 1, { stage: 'generating' })).to.not.throw();
    });
  });
});

describe('telecast metrics: reading EMF lines back', () => {
  // The shape of the EMF specification's own example, with a prefix as `aws logs tail` prints and an array of values.
  const line =
    '2026-11-30T12:00:00.000Z [podcastfy] {"_aws":{"Timestamp":1764504000000,"CloudWatchMetrics":[{"Namespace":"Telecast","Dimensions":[["service","stage"]],"Metrics":[{"Name":"StageDuration","Unit":"Milliseconds"},{"Name":"EpisodesCompleted","Unit":"Count"}]}]},"service":"telecast","stage":"generating","StageDuration":[100,300,200],"EpisodesCompleted":1,"podcast_id":"tech-pulse"}';

  it('takes every value of a metric with its dimensions, skipping text that is not EMF', () => {
    const samples = [...parseEmfLine(line), ...parseEmfLine('{"level":"INFO","message":"episode completed"}'), ...parseEmfLine('not json {')];
    expect(samples.map((s) => `${s.name}=${s.value}`)).to.deep.equal(['StageDuration=100', 'StageDuration=300', 'StageDuration=200', 'EpisodesCompleted=1']);
    expect(samples[0]).to.deep.include({ namespace: 'Telecast', unit: 'Milliseconds', dimensions: { service: 'telecast', stage: 'generating' }, timestamp: 1764504000000 });
  });

  it('sums counts and gives the spread of durations per metric and dimensions, from a time on', () => {
    const [row] = summarizeMetrics(parseEmfLine(line)).filter((r) => r.name === 'StageDuration');
    expect(row).to.include({ dimensions: 'stage=generating', count: 3, sum: 600, min: 100, max: 300, p50: 200, p90: 300 });
    expect(summarizeMetrics(parseEmfLine(line), { since: 1764504000001 })).to.deep.equal([]);
  });

  it('reads --since as minutes, hours or days, and names a bad one', () => {
    expect(parseSince('90m')).to.equal(90 * 60_000);
    expect(parseSince('2d')).to.equal(2 * 86_400_000);
    expect(() => parseSince('yesterday')).to.throw(ValidationError, /--since "yesterday"/);
  });
});
