import { expect } from 'chai';
import { DownstreamError } from '../../src/core/errors.ts';
import { decodeTurn, encodeTurn, keepingTurns } from '../../src/core/generation/turn-cache.ts';
import { episodeTurnKey } from '../../src/core/keys.ts';
import { ToneSynthesizer } from '../helpers/memory-engines.ts';
import { MemoryObjects } from '../helpers/memory-ports.ts';

const episode = { podcastId: 'tech-pulse', episodeId: '20261129T070000000Z' };

function setup() {
  const synthesizer = new ToneSynthesizer();
  const objects = new MemoryObjects();
  return { synthesizer, objects, kept: keepingTurns(synthesizer, { objects, episode, engine: 'espeak' }) };
}

describe('keeping synthesised turns (turn cache)', () => {
  it('round-trips a turn: rate and every sample, negative ones included', () => {
    const pcm = { sampleRate: 22_050, samples: Int16Array.from([0, 1, -1, 32_767, -32_768, 1234]) };
    expect(decodeTurn(encodeTurn(pcm))).to.deep.equal(pcm);
  });

  it('lays a turn out as TPCM, the rate as uint32 LE and the samples as int16 LE, from a view at any offset', () => {
    const backing = new Int16Array([7, 1, -2, 0x1234, -32768, 32767]);
    const bytes = encodeTurn({ sampleRate: 22050, samples: backing.subarray(1) });
    expect(Buffer.from(bytes).toString('hex')).to.equal('5450434d' + '22560000' + '0100' + 'feff' + '3412' + '0080' + 'ff7f');
    // Read back from a buffer where the samples are not 2-byte aligned.
    const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
    unaligned.set(bytes);
    expect(decodeTurn(unaligned)).to.deep.equal({ sampleRate: 22050, samples: new Int16Array([1, -2, 0x1234, -32768, 32767]) });
  });

  it('reads a kept turn back instead of asking the engine again', async () => {
    const { synthesizer, kept } = setup();
    const first = await kept.synthesize('Hello there.', 'en-us+m3');
    const again = await kept.synthesize('Hello there.', 'en-us+m3');
    expect(synthesizer.calls).to.have.length(1);
    expect(again).to.deep.equal(first);
  });

  it('addresses a turn by engine, voice and text: another voice or another line is spoken anew', async () => {
    const { synthesizer, kept } = setup();
    await kept.synthesize('Hello there.', 'en-us+m3');
    await kept.synthesize('Hello there.', 'en-us+f3');
    await kept.synthesize('Hello again.', 'en-us+m3');
    expect(synthesizer.calls).to.have.length(3);
    const other = episodeTurnKey(episode.podcastId, episode.episodeId, { engine: 'polly', voice: 'en-us+m3', sampleRate: 8_000, text: 'Hello there.' });
    const same = episodeTurnKey(episode.podcastId, episode.episodeId, { engine: 'espeak', voice: 'en-us+m3', sampleRate: 8_000, text: 'Hello there.' });
    expect(other).to.not.equal(same);
    expect(same).to.match(/^podcasts\/tech-pulse\/20261129T070000000Z\/turns\/[0-9a-f]{64}\.pcm$/);
  });

  it('speaks a damaged kept turn again rather than trusting it', async () => {
    const { synthesizer, objects, kept } = setup();
    const key = episodeTurnKey(episode.podcastId, episode.episodeId, { engine: 'espeak', voice: 'en-us+m3', sampleRate: 8_000, text: 'Hello there.' });
    await objects.putBytes(key, new Uint8Array([1, 2, 3]), 'application/octet-stream');
    const pcm = await kept.synthesize('Hello there.', 'en-us+m3');
    expect(synthesizer.calls).to.have.length(1);
    expect(decodeTurn(objects.objects.get(key)!.bytes!)).to.deep.equal(pcm);
  });

  it('keeps nothing for a turn the engine failed to speak', async () => {
    const { synthesizer, objects, kept } = setup();
    synthesizer.failOn.set(1, new DownstreamError('voice service unavailable'));
    await kept.synthesize('Hello there.', 'en-us+m3').catch(() => undefined);
    expect(objects.writes).to.deep.equal([]);
  });
});
