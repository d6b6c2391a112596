// End to end: an episode spoken by Amazon Polly on the local stack, the podcastfy bundle's Polly client pointed at a
// fake Polly through the SDK's own AWS_ENDPOINT_URL_POLLY (the stack's engineEnvironment), as on AWS but for the host.
import { expect } from 'chai';
import { repositories, samplePodcast, showLogsOnFailure, type Repositories } from '../helpers/e2e.ts';
import { speechRequests, startFakePolly, type FakePolly } from '../helpers/fake-polly.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';
import { POLLY_VOICES } from '../../src/core/generation/polly-voices.ts';

describe('e2e: an episode spoken by Amazon Polly (fake)', function () {
  this.timeout(120_000);
  let polly: FakePolly;
  let stack: TestStack;
  let repos: Repositories;
  before(async () => {
    polly = await startFakePolly({ voices: POLLY_VOICES });
    stack = await startTestStack({ consumers: false, engineEnvironment: { AWS_ENDPOINT_URL_POLLY: polly.endpoint } });
    repos = repositories(stack);
    const sample = samplePodcast();
    // The sample names espeak voices; without a voice each host takes Polly's default.
    const speakers = { person1: { ...sample.speakers.person1, voice: undefined }, person2: { ...sample.speakers.person2, voice: undefined } };
    await repos.podcasts.put(samplePodcast({ podcast_id: 'polly-show', voice_engine: 'polly', speakers }));
  });
  after(async () => {
    await stack?.stop();
    await polly?.close();
  });
  showLogsOnFailure(() => stack);

  it('completes with every turn spoken by Polly in the hosts\' default voices, with their generative engine, as 16 kHz PCM', async () => {
    const text = 'The city council approved a new bike lane network. Construction starts in spring and takes two years.';
    const result = (await stack.invoke('podcastfy', { podcast_id: 'polly-show', text })) as Record<string, unknown>;
    expect(result).to.include({ podcast_id: 'polly-show', status: 'completed' });
    expect(result.duration_seconds).to.be.a('number').above(1);
    const requests = speechRequests(polly);
    expect(requests.length).to.be.at.least(2);
    expect(new Set(requests.map((r) => r.VoiceId))).to.deep.equal(new Set(['Matthew', 'Joanna']));
    expect(requests.every((r) => r.Engine === 'generative' && r.OutputFormat === 'pcm' && r.SampleRate === '16000')).to.equal(true);
    expect(requests.map((r) => r.Text).join(' ')).to.include('bike lane');
  });
});
