import { expect } from 'chai';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createAudioRenderer } from '../../src/adapters/episode-audio.ts';
import { EspeakSynthesizer } from '../../src/adapters/espeak-synthesizer.ts';
import type { Script } from '../../src/core/generation/script.ts';
import { parseMp3Frames } from '../helpers/audio-analysis.ts';
import { twoHostScript } from '../helpers/factories.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';

describe('the episode audio renderer (espeak-ng → MP3 file → S3)', function () {
  this.timeout(60_000);
  let aws: EmulatedAws;
  before(async () => {
    aws = await startEmulatedAws();
  });
  after(() => aws?.stop());

  const script: Script = twoHostScript(
    [
      { speaker: 'person1', text: 'Welcome to a very short show.', section: 'intro' },
      { speaker: 'person2', text: 'Short enough that it fits in one buffer.', section: 'intro' },
    ],
    'Short',
  );

  it('uploads the whole MP3, even one shorter than the encoder buffer, as long as the returned duration', async () => {
    const render = createAudioRenderer({ objects: aws.objects, synthesizer: new EspeakSynthesizer() });
    const { durationSeconds, cues } = await render(script, 'podcasts/x/20261129T070000000Z/episode.mp3');
    const out = await aws.clients.s3.send(new GetObjectCommand({ Bucket: aws.resources.bucket, Key: 'podcasts/x/20261129T070000000Z/episode.mp3' }));
    const mp3 = parseMp3Frames(Buffer.from(await out.Body!.transformToByteArray()));
    expect(cues).to.have.length(2);
    // The encoder adds up to a frame or two of padding; it must never be shorter than what we announce.
    expect(mp3.durationSeconds).to.be.at.least(durationSeconds - 0.01);
    expect(mp3.durationSeconds - durationSeconds).to.be.below(0.2);
  });
});
