import { expect } from 'chai';
import { createEngineRegistry } from '../../src/adapters/engines.ts';
import { parsePodcastConfig } from '../../src/core/contracts.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { voiceCast } from '../../src/core/generation/engines.ts';
import type { ScriptWriter, SpeechSynthesizer } from '../../src/core/ports.ts';
import { podcastConfig } from '../helpers/factories.ts';

const base = { podcast_id: 'tech-pulse', name: 'Tech Pulse', telegram_channels: ['@telecast_sample'] };

describe('the engines a podcast names', () => {
  it('defaults to the offline writer and espeak-ng', () => {
    expect(parsePodcastConfig(base)).to.include({ script_writer: 'offline', voice_engine: 'espeak' });
  });

  it('validates a voice against the podcast\'s voice engine, naming the field and an example', () => {
    const error = (() => {
      try {
        parsePodcastConfig({ ...base, speakers: { person1: { name: 'A', role: 'host', voice: 'Joanna' }, person2: { name: 'B', role: 'guest' } } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).violations).to.deep.equal(['/speakers/person1/voice "Joanna" is not a espeak-ng (offline) voice (for example "en-us+m3")']);
  });

  it('refuses an engine it does not know, listing the ones it does', () => {
    expect(() => parsePodcastConfig({ ...base, voice_engine: 'festival' })).to.throw(ValidationError, '/voice_engine must be one of espeak, flite, polly, openai, elevenlabs, gemini');
  });

  it('casts the engine\'s default voices, and the same host\'s voice of another language for a line in it', () => {
    const cast = voiceCast(podcastConfig({ speakers: { person1: { name: 'A', role: 'host' }, person2: { name: 'B', role: 'guest', voice: 'en-gb+f2' } } }));
    expect(cast.speaker('person1')).to.equal('en-us+m3');
    expect(cast.speaker('person2')).to.equal('en-gb+f2');
    expect(cast.line('person1', 'he')).to.equal('he+m3');
    expect(cast.line('person1', 'en')).to.equal(undefined);
    expect(cast.line('person2', 'he'), 'a voice the operator chose reads every line').to.equal(undefined);
  });

  it('creates each engine once, on first use, and reuses it for every podcast that names it', () => {
    let made = 0;
    const writer: ScriptWriter = { write: async () => ({ language: 'en', title: '', speakers: {} as never, turns: [] }) };
    const voice: SpeechSynthesizer = { synthesize: async () => ({ sampleRate: 8000, samples: new Int16Array(0) }) };
    const registry = createEngineRegistry({ writers: { offline: () => writer }, voices: { espeak: () => (made++, voice) } });
    expect(made).to.equal(0);
    expect(registry.synthesizerFor(podcastConfig())).to.equal(voice);
    expect(registry.synthesizerFor(podcastConfig({ podcast_id: 'other-show' }))).to.equal(voice);
    expect(made).to.equal(1);
    expect(registry.writerFor(podcastConfig())).to.equal(writer);
  });
});
