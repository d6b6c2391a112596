// End to end: the podcastfy Lambda's direct-invocation path (the seed's "direct API calls"): text in, an episode out,
// through the same status machine and S3 layout as the queued path.
import { expect } from 'chai';
import { LambdaInvocationError } from '../../src/local/lambda-runner.ts';
import { getObjectText, headObject, repositories, samplePodcast, showLogsOnFailure, type Repositories } from '../helpers/e2e.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

describe('e2e: direct invocation of the generator', function () {
  this.timeout(120_000);
  let stack: TestStack;
  let repos: Repositories;
  before(async () => {
    stack = await startTestStack({ consumers: false });
    repos = repositories(stack);
    await repos.podcasts.put(samplePodcast({ podcast_id: 'direct-show' }));
  });
  after(() => stack?.stop());
  showLogsOnFailure(() => stack);

  it('turns { podcast_id, text } into a completed episode with audio and transcripts, visible like any other', async () => {
    const text = 'The city council approved a new bike lane network. Construction starts in spring and takes two years.';
    const result = (await stack.invoke('podcastfy', { podcast_id: 'direct-show', text })) as Record<string, unknown>;
    expect(result).to.include({ podcast_id: 'direct-show', status: 'completed' });
    expect(result.duration_seconds).to.be.a('number').above(5);
    const episode = await repos.episodes.get({ podcastId: 'direct-show', episodeId: String(result.episode_id) });
    expect(episode).to.include({ status: 'completed', trigger: 'direct' });
    expect(await headObject(stack, String(result.audio_key))).to.not.equal(undefined);
    expect(await getObjectText(stack, String(result.transcript_key))).to.include('bike lane');
  });

  it('rejects a request without text, naming the field, and creates no episode', async () => {
    const before = await repos.episodes.listForPodcast('direct-show');
    let error: unknown;
    await stack.invoke('podcastfy', { podcast_id: 'direct-show' }).catch((e) => (error = e));
    expect(error).to.be.instanceOf(LambdaInvocationError);
    expect(String((error as Error).message)).to.include('/text is required');
    expect(await repos.episodes.listForPodcast('direct-show')).to.have.length(before.length);
  });
});
