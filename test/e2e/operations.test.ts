// End to end on the whole local stack (built bundles, real SDK, embedded emulators): what an operator and the
// scheduler do around the pipeline. Dead letters are inspected and redriven through the CLI once their cause is fixed;
// the scheduler starts due podcasts (one episode at a time) and fails episodes stuck past STUCK_AFTER_MINUTES.
import { expect } from 'chai';
import type { ScheduleReport } from '../../src/core/episodes/schedule.ts';
import type { Episode } from '../../src/core/episodes/status.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import type { InspectedLetter, RedriveResult } from '../../src/core/ports.ts';
import {
  collectionRequestFor,
  dlqUrl,
  keyOf,
  pendingCount,
  peekMessages,
  repositories,
  sampleExport,
  samplePodcast,
  telecast,
  telecastJson,
  tempDir,
  waitForEpisode,
  waitForMessages,
  type Repositories,
  showLogsOnFailure,
} from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

describe('e2e: an operator redrives dead letters once the cause is fixed', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let repos: Repositories;
  const files = tempDir();

  before(async () => {
    stack = await startTestStack({ visibilityTimeoutSeconds: { processing: 60 } });
    repos = repositories(stack);
  });
  after(async () => {
    await stack?.stop();
    files.remove();
  });
  showLogsOnFailure(() => stack);

  it('a request for a podcast not configured yet is dead-lettered; after `podcast put`, `dlq inspect` shows why and `dlq redrive` completes it', async () => {
    const channel = '@late_show';
    const exportFile = files.write('late.json', sampleExport(new Date(Date.now() - 60_000), [32, 33]));
    expect((await telecast(stack, ['channel', 'import', channel, exportFile])).code).to.equal(0);
    // The episode exists but its podcast's configuration does not (yet): a permanent failure.
    const episode = newEpisode({ podcast_id: 'late-show' }, 'manual', new Date());
    await repos.episodes.create(episode);
    const body = JSON.stringify(collectionRequestFor(episode));
    const id = await stack.send('collection', body);

    const failed = await waitForEpisode(stack, keyOf(episode));
    expect(failed.status).to.equal('failed');
    expect(failed.failed_stage).to.equal('collecting');
    expect(failed.error).to.include('unknown podcast "late-show"');
    await waitForMessages(stack, dlqUrl(stack, 'collection'), (m) => m.length === 1);

    const podcastFile = files.write('late-show.json', samplePodcast({ podcast_id: 'late-show', telegram_channels: [channel] }));
    expect((await telecast(stack, ['podcast', 'put', podcastFile])).code).to.equal(0);

    const letters = await telecastJson<InspectedLetter[]>(stack, ['dlq', 'inspect', 'collection']);
    expect(letters).to.have.length(1);
    expect(letters[0]).to.include({ body, stage: 'collecting', sourceMessageId: id });
    expect(letters[0]!.reason).to.include('unknown podcast "late-show"');
    expect((await peekMessages(stack, dlqUrl(stack, 'collection'), 1)).map((m) => m.Body), 'inspect leaves the letters in place').to.deep.equal([body]);

    const redrive = await telecastJson<RedriveResult>(stack, ['dlq', 'redrive', 'collection']);
    expect(redrive).to.deep.equal({ method: 'manual', moved: 1 });

    const completed = await waitForEpisode(stack, keyOf(episode), (e) => e.status === 'completed' || (e.status === 'failed' && e.error !== failed.error));
    expect(completed.status, completed.error).to.equal('completed');
    expect(completed.result?.message_count).to.equal(2);
    expect(await pendingCount(stack, dlqUrl(stack, 'collection')), 'collection DLQ').to.equal(0);
    expect(await pendingCount(stack, 'collection'), 'collection queue').to.equal(0);
  });
});

describe('e2e: the scheduler', function () {
  this.timeout(60_000);
  const STUCK_AFTER_MINUTES = 5;
  let stack: TestStack;
  let repos: Repositories;

  before(async () => {
    // No consumers: the collection requests the scheduler sends stay in the queue to be read.
    stack = await startTestStack({ consumers: false, stuckAfterMinutes: STUCK_AFTER_MINUTES });
    repos = repositories(stack);
  });
  after(() => stack?.stop());
  showLogsOnFailure(() => stack);

  it('starts exactly one pending episode with a collection request for a due podcast, and none while it is in flight', async () => {
    await repos.podcasts.put(samplePodcast({ podcast_id: 'due-show' }));

    const report = (await stack.invoke('scheduler', { trigger: 'schedule' })) as ScheduleReport;
    expect(report.triggered.map((t) => t.podcast_id)).to.deep.equal(['due-show']);
    const episodes = await repos.episodes.listForPodcast('due-show');
    expect(episodes).to.have.length(1);
    const episode = episodes[0]!;
    expect(episode).to.include({ status: 'pending', trigger: 'schedule', episode_id: report.triggered[0]!.episode_id });
    const requests = await peekMessages(stack, 'collection', 1);
    expect(requests.map((m) => JSON.parse(m.Body!) as unknown)).to.deep.equal([collectionRequestFor(episode, 'schedule')]);

    const again = (await stack.invoke('scheduler', { trigger: 'schedule' })) as ScheduleReport;
    expect(again.triggered).to.deep.equal([]);
    expect(again.notDue.find((n) => n.podcast_id === 'due-show')?.reason).to.include(episode.episode_id);
    expect(await repos.episodes.listForPodcast('due-show')).to.deep.equal(episodes);
    expect(await pendingCount(stack, 'collection'), 'still one collection request').to.equal(1);
  });

  it('marks an episode stuck in generating past STUCK_AFTER_MINUTES failed at stage generating, and leaves a recent one alone', async () => {
    const longAgo = new Date(Date.now() - (STUCK_AFTER_MINUTES + 5) * 60_000);
    const stuck: Episode = { ...newEpisode({ podcast_id: 'stuck-show' }, 'manual', longAgo), status: 'generating', attempts: 2 };
    const recent: Episode = { ...newEpisode({ podcast_id: 'busy-show' }, 'manual', new Date()), status: 'generating', attempts: 2 };
    await repos.episodes.create(stuck);
    await repos.episodes.create(recent);

    const report = (await stack.invoke('scheduler', { trigger: 'schedule' })) as ScheduleReport;
    expect(report.stuck.map((s) => s.episode_id)).to.deep.equal([stuck.episode_id]);
    const failed = await repos.episodes.get(keyOf(stuck));
    expect(failed?.status).to.equal('failed');
    expect(failed?.failed_stage).to.equal('generating');
    expect(failed?.error).to.match(/stuck in generating since/);
    expect(failed?.error).to.include(`more than ${STUCK_AFTER_MINUTES} minutes`);
    expect((await repos.episodes.get(keyOf(recent)))?.status, 'an episode working for seconds is not stuck').to.equal('generating');
  });
});
