// End to end on the whole local stack: the built bundles (dist/), the real SDK, the embedded emulators, driven through
// the operator CLI as in `make demo`. The tests of a describe share one stack and run in order: the later ones use the
// episode the first one produced, as an operator's session would.
import { expect } from 'chai';
import type { EpisodeContent } from '../../src/core/ports.ts';
import type { Script } from '../../src/core/generation/script.ts';
import type { Episode, EpisodeStatus } from '../../src/core/episodes/status.ts';
import { parseMp3Frames } from '../helpers/audio-analysis.ts';
import {
  SAMPLE_CHANNEL,
  SAMPLE_PODCAST_FILE,
  STATUS_ORDER,
  TERMINAL_STATUSES,
  deliveriesOf,
  dlqUrl,
  getObjectBytes,
  getObjectText,
  headObject,
  keyOf,
  pendingCount,
  processingMessageFor,
  repositories,
  sampleExport,
  samplePodcast,
  telecast,
  telecastJson,
  tempDir,
  waitForEpisode,
  type Repositories,
  showLogsOnFailure,
} from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

/**
 * Generation of the demo episode takes ~15 s of text-to-speech on this machine: the processing queue's visibility timeout
 * must outlast it, as the ≥ 6 × function timeout rule guarantees on AWS, or the message would be redelivered mid-run.
 */
const PROCESSING_VISIBILITY_SECONDS = 90;
/** LAME's start delay (576 + 529 samples) plus the last frame's padding and the flush frame (see test/integration/audio.test.ts). */
const ENCODER_SLACK_SAMPLES = 1105 + 2 * 576;

/**
 * What the collector must drop from the sample export in a demo run (newest post 10 minutes old, window_hours 48,
 * min_post_length 20, bit.ly filtered): 2 is 60 hours old; 7 ("👍") and 22 ("ok") are too short; 11 and 31 are photos
 * without a caption and 16 is a bare bit.ly link, empty once the link is removed. Messages 1, 5 and 23 are service
 * messages, not posts.
 */
const DROPPED_POST_IDS = [2, 7, 11, 16, 22, 31];
const SERVICE_MESSAGE_IDS = [1, 5, 23];

describe('e2e: the demo flow through the operator CLI', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let repos: Repositories;
  const files = tempDir();
  /** The episode the first test takes to completion; the artifact tests read it. */
  let demo: Episode | undefined;

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: PROCESSING_VISIBILITY_SECONDS } });
    repos = repositories(stack);
  });
  after(async () => {
    await stack?.stop();
    files.remove();
  });
  showLogsOnFailure(() => stack);

  function demoEpisode(): Episode {
    if (!demo) throw new Error('the demo episode did not complete (see the first test)');
    return demo;
  }

  it('an operator puts the sample podcast, imports the channel and generates an episode that goes pending → … → completed', async () => {
    expect((await telecast(stack, ['podcast', 'put', SAMPLE_PODCAST_FILE])).code).to.equal(0);
    const exportFile = files.write('sample.json', sampleExport(new Date(Date.now() - 10 * 60_000)));
    const imported = await telecastJson<{ posts: number }>(stack, ['channel', 'import', SAMPLE_CHANNEL, exportFile]);
    expect(imported.posts).to.equal(30);

    const created = await telecastJson<Episode>(stack, ['episode', 'generate', 'tech-pulse']);
    expect(created).to.include({ podcast_id: 'tech-pulse', status: 'pending', trigger: 'manual' });
    const seen: EpisodeStatus[] = [created.status];
    let episode = created;
    const deadline = Date.now() + 100_000;
    while (!TERMINAL_STATUSES.includes(episode.status)) {
      if (Date.now() > deadline) throw new Error(`episode still ${episode.status}; seen ${seen.join(' → ')}`);
      await new Promise((r) => setTimeout(r, 200));
      episode = await telecastJson<Episode>(stack, ['episode', 'status', 'tech-pulse', created.episode_id]);
      if (episode.status !== seen.at(-1)) seen.push(episode.status);
    }

    expect(episode.status, `${episode.error ?? ''} (seen ${seen.join(' → ')})`).to.equal('completed');
    expect(seen[0]).to.equal('pending');
    expect(seen, 'generation takes seconds: the poll sees it').to.include('generating');
    const ranks = seen.map((s) => STATUS_ORDER.indexOf(s));
    expect(ranks.every((r) => r >= 0), `only happy-path statuses: ${seen.join(' → ')}`).to.equal(true);
    expect(ranks, `never backwards: ${seen.join(' → ')}`).to.deep.equal([...ranks].sort((a, b) => a - b));
    expect(episode.duration_seconds).to.be.greaterThan(60);
    expect(episode.s3_path).to.equal(`podcasts/tech-pulse/${created.episode_id}/`);
    expect(episode, 'a clean first run: attempt 1 of each stage').to.include({ attempts: 1, collection_attempts: 1, generation_attempts: 1 });
    demo = episode;
  });

  it('content.json under s3_path holds the kept posts, oldest first: no short post, no bit.ly link', async () => {
    const episode = demoEpisode();
    const podcast = samplePodcast();
    const content = JSON.parse(await getObjectText(stack, `${episode.s3_path}content.json`)) as EpisodeContent;
    expect(content).to.include({ podcast_id: 'tech-pulse', episode_id: episode.episode_id });
    expect(content.window).to.deep.equal({ from: episode.window_from, to: episode.window_to });

    const allIds = Array.from({ length: 33 }, (_, i) => i + 1);
    const expected = allIds.filter((id) => !DROPPED_POST_IDS.includes(id) && !SERVICE_MESSAGE_IDS.includes(id));
    expect(content.posts.map((p) => p.id).sort((a, b) => a - b)).to.deep.equal(expected);
    expect(episode.result?.message_count).to.equal(expected.length);
    for (const post of content.posts) {
      expect([...post.text].length, `post ${post.id}`).to.be.at.least(podcast.min_post_length);
      expect(post.text, `post ${post.id}`).not.to.include('bit.ly');
      expect(post.links.filter((l) => /bit\.ly/i.test(l)), `post ${post.id}`).to.deep.equal([]);
      expect(post.date > content.window.from && post.date <= content.window.to, `post ${post.id} in the window`).to.equal(true);
    }
    const dates = content.posts.map((p) => p.date);
    expect(dates, 'oldest first').to.deep.equal([...dates].sort());
  });

  it('script.json is a two-host dialogue that opens with the podcast name', async () => {
    const episode = demoEpisode();
    const script = JSON.parse(await getObjectText(stack, `${episode.s3_path}script.json`)) as Script;
    const speakers = new Set(script.turns.map((t) => t.speaker));
    expect([...speakers].sort()).to.deep.equal(['person1', 'person2']);
    expect(script.turns[0]?.text).to.include('Tech Pulse Daily');
    expect(script.speakers.person1.name).to.equal('Alex');
    expect(script.speakers.person2.name).to.equal('Dana');
  });

  it('episode.mp3 is MPEG audio exactly as long as duration_seconds (give or take the encoder delay and padding)', async () => {
    const episode = demoEpisode();
    const bytes = await getObjectBytes(stack, `${episode.s3_path}episode.mp3`);
    const mp3 = parseMp3Frames(bytes);
    expect(mp3.layer).to.equal(3);
    expect(mp3.channelMode).to.equal('mono');
    const duration = episode.duration_seconds!;
    expect(mp3.frames, 'frames for the whole episode').to.be.greaterThan((duration * mp3.sampleRate) / mp3.samplesPerFrame - 100);
    // A file cut short (unflushed encoder, partial upload) is shorter than the audio that was rendered.
    expect(mp3.durationSeconds - duration, `MP3 lasts ${mp3.durationSeconds.toFixed(3)} s, duration_seconds is ${duration}`).to.be.within(
      -0.2,
      0.2 + ENCODER_SLACK_SAMPLES / mp3.sampleRate,
    );
  });

  it('transcript.txt names both hosts, and transcript.vtt is WebVTT whose last cue ends within the audio', async () => {
    const episode = demoEpisode();
    const text = await getObjectText(stack, `${episode.s3_path}transcript.txt`);
    expect(text).to.match(/^Alex: /m);
    expect(text).to.match(/^Dana: /m);
    const vtt = await getObjectText(stack, `${episode.s3_path}transcript.vtt`);
    expect(vtt.startsWith('WEBVTT')).to.equal(true);
    const ends = [...vtt.matchAll(/^(\d{2,}):(\d{2}):(\d{2}\.\d{3}) --> (\d{2,}):(\d{2}):(\d{2}\.\d{3})/gm)].map(
      (m) => Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]),
    );
    expect(ends.length).to.be.greaterThan(10);
    expect(ends.at(-1)!).to.be.at.most(episode.duration_seconds! + 0.001);
    expect(ends.at(-1)!, 'the cues cover the episode').to.be.greaterThan(episode.duration_seconds! - 5);
  });

  it('a processing message delivered twice more yields no second episode and no second MP3', async () => {
    const episode = demoEpisode();
    const audioKey = `${episode.s3_path}episode.mp3`;
    const before = { record: await repos.episodes.get(keyOf(episode)), list: await repos.episodes.listForPodcast('tech-pulse'), audio: await headObject(stack, audioKey) };
    expect(before.audio?.ETag).to.be.a('string');

    const message = processingMessageFor(episode);
    const ids = [await stack.send('processing', message), await stack.send('processing', message)];
    await stack.waitForInvocations(() => ids.every((id) => deliveriesOf(stack, id).length > 0), 30_000);

    for (const id of ids) {
      const deliveries = deliveriesOf(stack, id);
      expect(deliveries, `deliveries of ${id}`).to.have.length(1);
      expect(deliveries[0]!.invocation.outcome, 'acknowledged: nothing to do for a completed episode').to.equal('success');
    }
    const after = await repos.episodes.get(keyOf(episode));
    expect(after).to.deep.equal(before.record);
    expect(after).to.include({ status: 'completed', completed_at: episode.completed_at, attempts: episode.attempts });
    expect(await repos.episodes.listForPodcast('tech-pulse')).to.deep.equal(before.list);
    const audio = await headObject(stack, audioKey);
    expect(audio?.ETag).to.equal(before.audio?.ETag);
    expect(audio?.LastModified?.getTime()).to.equal(before.audio?.LastModified?.getTime());
    expect(await pendingCount(stack, 'processing'), 'processing queue').to.equal(0);
    expect(await pendingCount(stack, dlqUrl(stack, 'processing')), 'processing DLQ').to.equal(0);
  });
});

describe('e2e: one episode at a time, each collecting only what is new', function () {
  this.timeout(120_000);
  const CHANNEL = '@telecast_short';
  let stack: TestStack;
  let repos: Repositories;
  const files = tempDir();
  /** The completed episode of the first test; the second collects after its window. */
  let first: Episode | undefined;

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: PROCESSING_VISIBILITY_SECONDS } });
    repos = repositories(stack);
    const podcastFile = files.write('podcast.json', { ...samplePodcast({ podcast_id: 'short-pulse', telegram_channels: [CHANNEL] }) });
    expect((await telecast(stack, ['podcast', 'put', podcastFile])).code).to.equal(0);
  });
  after(async () => {
    await stack?.stop();
    files.remove();
  });
  showLogsOnFailure(() => stack);

  it('a second `episode generate` while one is in flight is refused and names the episode in flight', async () => {
    // Two short posts (the sample's last two), the newest a minute old: a short episode.
    const exportFile = files.write('short.json', sampleExport(new Date(Date.now() - 60_000), [32, 33]));
    expect((await telecast(stack, ['channel', 'import', CHANNEL, exportFile])).code).to.equal(0);

    const started = await telecastJson<Episode>(stack, ['episode', 'generate', 'short-pulse']);
    const refused = await telecast(stack, ['episode', 'generate', 'short-pulse']);
    expect(refused.code, refused.stdout).to.not.equal(0);
    expect(refused.stderr).to.include(started.episode_id);
    expect(refused.stderr).to.match(/already has episode/);

    const episode = await waitForEpisode(stack, keyOf(started));
    expect(episode.status, episode.error).to.equal('completed');
    expect(episode.result?.message_count).to.equal(2);
    expect(await repos.episodes.listForPodcast('short-pulse'), 'no second episode was created').to.have.length(1);
    first = episode;
  });

  it('the next episode reads only after the previous window: with no newer post it is skipped and nothing goes to processing', async () => {
    if (!first) throw new Error('the first episode did not complete (see the previous test)');
    // A fresh export: the whole sample, 24 posts inside window_hours, but none after the first episode's window.
    const newest = new Date(Math.floor(new Date(first.window_to!).getTime() / 1000) * 1000);
    const exportFile = files.write('no-new-posts.json', sampleExport(newest));
    expect((await telecast(stack, ['channel', 'import', CHANNEL, exportFile])).code).to.equal(0);

    const mark = stack.invocations.length;
    const started = await telecastJson<Episode>(stack, ['episode', 'generate', 'short-pulse']);
    const episode = await waitForEpisode(stack, keyOf(started));
    expect(episode.status, episode.error).to.equal('skipped');
    expect(episode.skip_reason).to.match(/no new posts/);
    expect(episode.window_from, 'starts where the previous episode ended').to.equal(first.window_to);
    expect(await headObject(stack, `${episode.s3_path}content.json`), 'no content.json').to.equal(undefined);

    // The collection invocation has returned (anything it sent is in the queue by then): nothing was enqueued.
    await stack.waitForInvocations((all) => all.slice(mark).some((r) => r.functionName === 'telegram' && r.source === 'sqs'), 30_000);
    expect(stack.invocations.slice(mark).filter((r) => r.functionName === 'podcastfy'), 'podcastfy invocations').to.deep.equal([]);
    expect(await pendingCount(stack, 'processing'), 'processing queue').to.equal(0);
  });
});
