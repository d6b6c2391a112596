import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { keepingTurns } from '../../src/core/generation/turn-cache.ts';
import { episodeTurnKey, MEDIA_TAG } from '../../src/core/keys.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';
import { ToneSynthesizer } from '../helpers/memory-engines.ts';

const episode = { podcastId: 'tech-pulse', episodeId: '20261129T070000000Z' };

describe('kept turns in S3 on the emulator', function () {
  this.timeout(120_000);
  let aws: EmulatedAws;
  /** The x-amz-tagging header of each PUT, by key: the emulator keeps no tags to read back. */
  const tagging = new Map<string, string>();
  before(async () => {
    aws = await startEmulatedAws();
    aws.clients.s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; path?: string; headers?: Record<string, string> };
        const header = request.headers?.['x-amz-tagging'];
        if (request.method === 'PUT' && header !== undefined && request.path) tagging.set(decodeURIComponent(request.path), header);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordTagging' },
    );
  });
  after(async () => {
    await aws?.stop();
  });

  const keyOf = (text: string, voice: string) =>
    episodeTurnKey(episode.podcastId, episode.episodeId, { engine: 'espeak', voice, sampleRate: 8_000, text });

  it('stores a spoken turn under the episode as raw PCM with its header, tagged for media expiry', async () => {
    const kept = keepingTurns(new ToneSynthesizer(), { objects: aws.objects, episode, engine: 'espeak' });
    const pcm = await kept.synthesize('A line kept in S3.', 'en-us+m3');
    const key = keyOf('A line kept in S3.', 'en-us+m3');
    const head = await aws.clients.s3.send(new HeadObjectCommand({ Bucket: aws.resources.bucket, Key: key }));
    expect(head.ContentLength).to.equal(8 + pcm.samples.length * 2);
    expect(head.ContentType).to.equal('application/octet-stream');
    const [tags] = [...tagging].filter(([path]) => path.endsWith(key)).map(([, header]) => header);
    expect(new URLSearchParams(tags).get(MEDIA_TAG.key)).to.equal(MEDIA_TAG.value);
  });

  it('reads a turn another process kept back from S3, sample for sample, without synthesising it', async () => {
    const first = keepingTurns(new ToneSynthesizer(), { objects: aws.objects, episode, engine: 'espeak' });
    const spoken = await first.synthesize('A line spoken by an earlier attempt.', 'en-us+f3');
    const synthesizer = new ToneSynthesizer();
    const retry = keepingTurns(synthesizer, { objects: aws.objects, episode, engine: 'espeak' });
    const read = await retry.synthesize('A line spoken by an earlier attempt.', 'en-us+f3');
    expect(synthesizer.calls).to.have.length(0);
    expect(read).to.deep.equal(spoken);
  });

  it('asks the engine for a turn no attempt kept', async () => {
    const synthesizer = new ToneSynthesizer();
    const kept = keepingTurns(synthesizer, { objects: aws.objects, episode, engine: 'espeak' });
    await kept.synthesize('A line nobody spoke before.', 'en-us+m3');
    expect(synthesizer.calls).to.have.length(1);
  });
});
