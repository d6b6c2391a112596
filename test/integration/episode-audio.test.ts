import { expect } from 'chai';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mp3AudioStore } from '../../src/adapters/mp3-audio-store.ts';
import { EspeakSynthesizer } from '../../src/adapters/espeak-synthesizer.ts';
import { renderEpisodeAudio } from '../../src/core/generation/render-audio.ts';
import type { Script } from '../../src/core/generation/script.ts';
import { parseMp3Frames } from '../helpers/audio-analysis.ts';
import { twoHostScript } from '../helpers/factories.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';

describe('the episode audio store (espeak-ng → MP3 file → S3)', function () {
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
    const key = 'podcasts/x/20261129T070000000Z/episode.mp3';
    const audio = await new Mp3AudioStore(aws.objects).open(key);
    const { durationSeconds, cues } = await renderEpisodeAudio(script, { synthesizer: new EspeakSynthesizer(), encoder: audio });
    await audio.finish();
    const out = await aws.clients.s3.send(new GetObjectCommand({ Bucket: aws.resources.bucket, Key: key }));
    const mp3 = parseMp3Frames(Buffer.from(await out.Body!.transformToByteArray()));
    expect(cues).to.have.length(2);
    // The encoder adds up to a frame or two of padding; it must never be shorter than what we announce.
    expect(mp3.durationSeconds).to.be.at.least(durationSeconds - 0.01);
    expect(mp3.durationSeconds - durationSeconds).to.be.below(0.2);
  });

  it('opens the encoder at the rate of the first samples, whatever the synthesizer: a 16 kHz engine makes a 16 kHz MP3', async () => {
    const key = 'podcasts/x/20261129T070000001Z/episode.mp3';
    const audio = await new Mp3AudioStore(aws.objects).open(key);
    await audio.write(new Int16Array(16_000).fill(1000), 16_000);
    await audio.finish();
    const out = await aws.clients.s3.send(new GetObjectCommand({ Bucket: aws.resources.bucket, Key: key }));
    const mp3 = parseMp3Frames(Buffer.from(await out.Body!.transformToByteArray()));
    expect(mp3.sampleRate).to.equal(16_000);
    expect(mp3.durationSeconds).to.be.within(1, 1.2);
  });

  it('stores nothing and leaves no temporary file when the render is discarded', async () => {
    const tempDir = mkdtempSync(join(tmpdir(), 'telecast-audio-test-'));
    const key = 'podcasts/x/20261129T070000002Z/episode.mp3';
    const audio = await new Mp3AudioStore(aws.objects, { tempDir }).open(key);
    await audio.write(new Int16Array(22_050), 22_050);
    await audio.discard();
    const listed = await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: aws.resources.bucket, Prefix: 'podcasts/x/20261129T070000002Z/' }));
    expect(listed.KeyCount ?? 0).to.equal(0);
    expect(await readdir(tempDir)).to.deep.equal([]);
  });
});
