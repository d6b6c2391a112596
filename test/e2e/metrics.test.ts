// End to end: an episode's run on the local stack emits the metrics the dashboard and the alarms read, with plausible
// values, and `telecast metrics` (the CLI bundle) reads them back from the stack's log files, as an operator without an
// AWS account would. A malformed processing message shows up as a dead letter by reason class.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricRow } from '../../src/cli/metrics.ts';
import type { Episode } from '../../src/core/episodes/status.ts';
import { SAMPLE_CHANNEL, SAMPLE_PODCAST_FILE, dlqUrl, keyOf, sampleExport, showLogsOnFailure, telecast, telecastJson, tempDir, waitForEpisode } from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

describe('e2e: metrics of an episode on the local stack, read back with telecast metrics', function () {
  this.timeout(120_000);
  let stack: TestStack;
  const files = tempDir();
  let episode: Episode;
  let rows: MetricRow[];
  const row = (name: string, dimensions = '') => rows.find((r) => r.name === name && r.dimensions === dimensions);

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: 90 }, logDir: join(files.path, 'logs') });
    expect((await telecast(stack, ['podcast', 'put', SAMPLE_PODCAST_FILE])).code).to.equal(0);
    await telecastJson(stack, ['channel', 'import', SAMPLE_CHANNEL, files.write('sample.json', sampleExport(new Date(Date.now() - 10 * 60_000)))]);
    const created = await telecastJson<Episode>(stack, ['episode', 'generate', 'tech-pulse']);
    episode = await waitForEpisode(stack, keyOf(created), undefined, 90_000);
    // Bad input: a processing message that is not one. Dead-lettered at once, with its reason class counted.
    const processing = stack.resources.queues.processing!;
    await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: processing.url, MessageBody: '{"schema_version": 1, "podcast_id": 7}' }));
    await stack.waitUntil(async () => ((await stack.depth(dlqUrl(stack, 'processing'))).visible > 0 ? true : undefined), 30_000, 'the bad message in the processing DLQ');
    const read = await telecast(stack, ['metrics', '--logs', join(files.path, 'logs'), '--json']);
    expect(read.code, read.stderr).to.equal(0);
    rows = JSON.parse(read.stdout) as MetricRow[];
  });
  after(async () => {
    await stack?.stop();
    files.remove();
  });
  showLogsOnFailure(() => stack);

  it('keeps each function’s output in <logDir>/<function>.log, EMF lines among its JSON log records', () => {
    expect(episode.status).to.equal('completed');
    const logs = readdirSync(join(files.path, 'logs')).sort();
    expect(logs).to.include.members(['podcastfy.log', 'telegram.log']);
    const lines = readFileSync(join(files.path, 'logs', 'podcastfy.log'), 'utf8').trim().split('\n');
    expect(lines.some((l) => l.includes('"_aws"') && l.includes('"EpisodesCompleted"'))).to.equal(true);
    expect(lines.some((l) => l.includes('"message":"episode completed"'))).to.equal(true);
  });

  it('counts the episode started, collected and completed once each, nothing failed', () => {
    expect(row('EpisodesStarted', 'stage=collecting')).to.include({ count: 1, sum: 1 });
    expect(row('EpisodesCollected', 'stage=collecting')).to.include({ sum: 1 });
    expect(row('EpisodesCompleted', 'stage=generating')).to.include({ sum: 1 });
    expect(rows.filter((r) => r.name === 'EpisodesFailed' || r.name === 'EpisodesSkipped')).to.deep.equal([]);
  });

  it('measures what the episode took and cost: stage times, latency, posts, audio, characters, tokens', () => {
    const stats = episode.result!.channel_stats!;
    expect(row('PostsRead', 'stage=collecting')?.sum).to.equal(stats.reduce((n, s) => n + s.read, 0));
    expect(row('PostsKept', 'stage=collecting')?.sum).to.equal(episode.result!.message_count).and.be.above(0);
    expect(row('PostsRead', 'stage=collecting')!.sum).to.be.above(row('PostsKept', 'stage=collecting')!.sum);
    expect(row('AudioSeconds', 'stage=generating')?.sum).to.equal(episode.duration_seconds);
    // The offline voice speaks every word of the script once: about 15 characters per second of speech.
    const characters = row('TtsCharacters', 'stage=generating')!.sum;
    expect(characters / episode.duration_seconds!).to.be.within(5, 25);
    expect(row('LlmInputTokens', 'stage=generating')).to.include({ sum: 0 });
    const generating = row('StageDuration', 'stage=generating')!;
    const collecting = row('StageDuration', 'stage=collecting')!;
    expect(generating).to.include({ unit: 'Milliseconds', count: 1 });
    expect(generating.sum).to.be.within(100, 90_000).and.above(collecting.sum);
    const latency = row('EpisodeLatency', 'stage=generating')!;
    expect(latency.sum).to.be.closeTo((Date.parse(episode.completed_at!) - Date.parse(episode.created_at)) / 1000, 0.01);
    expect(latency.sum * 1000).to.be.at.least(generating.sum);
  });

  it('counts the malformed message as dead-lettered at generating by its reason class, and one cold start per environment', () => {
    expect(row('DeadLettered', 'reason=ValidationError stage=generating')).to.include({ sum: 1 });
    const cold = rows.filter((r) => r.name === 'ColdStart').map((r) => r.dimensions);
    expect(cold).to.include.members(['function_name=telegram', 'function_name=podcastfy']);
  });
});
