import { expect } from 'chai';
import { createEngineRegistry, routedByVoice } from '../../src/adapters/engines.ts';
import { parsePodcastConfig } from '../../src/core/contracts.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { FLITE_VOICES, VOICE_ENGINE_SPECS, voiceCast } from '../../src/core/generation/engines.ts';
import { POLLY_VOICES, pollyEngineFor } from '../../src/core/generation/polly-voices.ts';
import type { ScriptWriter, SpeechSynthesizer } from '../../src/core/ports.ts';
import { podcastConfig } from '../helpers/factories.ts';

const base = { podcast_id: 'tech-pulse', name: 'Tech Pulse', telegram_channels: ['@telecast_sample'] };

describe('the engines a podcast names', () => {
  it('gives a new podcast naming no engines the offline writer, and Flite in English, espeak-ng in Hebrew', () => {
    expect(parsePodcastConfig(base)).to.include({ script_writer: 'offline', voice_engine: 'flite' });
    expect(parsePodcastConfig({ ...base, language: 'he' })).to.include({ voice_engine: 'espeak' });
    expect(parsePodcastConfig({ ...base, voice_engine: 'espeak' })).to.include({ voice_engine: 'espeak' });
  });

  it('fills a missing voice engine as the caller says (a stored podcast keeps espeak-ng), never over a named one', () => {
    expect(parsePodcastConfig(base, { voice_engine: 'espeak' })).to.include({ voice_engine: 'espeak' });
    expect(parsePodcastConfig({ ...base, voice_engine: 'flite' }, { voice_engine: 'espeak' })).to.include({ voice_engine: 'flite' });
  });

  it('validates a voice against the podcast\'s voice engine, naming the field and an example', () => {
    const error = (() => {
      try {
        parsePodcastConfig({ ...base, voice_engine: 'espeak', speakers: { person1: { name: 'A', role: 'host', voice: 'Joanna' }, person2: { name: 'B', role: 'guest' } } });
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

  it('refuses a Hebrew podcast with polly at put, saying Polly has no Hebrew voice', () => {
    expect(() => parsePodcastConfig({ ...base, language: 'he', voice_engine: 'polly' })).to.throw(
      ValidationError,
      '/voice_engine polly (Amazon Polly) has no he voices: Amazon Polly has no Hebrew voice; use elevenlabs, openai or espeak for Hebrew',
    );
  });

  it('accepts exactly the Polly voices of the voice table the synthesizer speaks from', () => {
    const speakers = (voice: string) => ({ person1: { name: 'A', role: 'host', voice }, person2: { name: 'B', role: 'guest' } });
    for (const voice of ['Matthew', 'Joanna', 'Ruth', 'Stephen', 'Danielle', 'Gregory', 'Kevin', 'Amy', 'Brian', 'Arthur']) {
      expect(parsePodcastConfig({ ...base, voice_engine: 'polly', speakers: speakers(voice) }).speakers.person1.voice).to.equal(voice);
    }
    expect(() => parsePodcastConfig({ ...base, voice_engine: 'polly', speakers: speakers('Zorro') })).to.throw(
      ValidationError,
      '/speakers/person1/voice "Zorro" is not a Amazon Polly voice (for example "Matthew")',
    );
    expect(Object.keys(POLLY_VOICES).every((voice) => VOICE_ENGINE_SPECS.polly.acceptsVoice(voice))).to.equal(true);
    expect(VOICE_ENGINE_SPECS.polly.acceptsVoice('constructor'), 'not an inherited property').to.equal(false);
    for (const voice of Object.values(VOICE_ENGINE_SPECS.polly.defaultVoices.en!)) expect(pollyEngineFor(voice)).to.equal('generative');
    expect([pollyEngineFor('Gregory'), pollyEngineFor('Arthur'), pollyEngineFor('Zorro')]).to.deep.equal(['neural', 'neural', undefined]);
  });

  it('casts the engine\'s default voices, and the same host\'s voice of another language for a line in it', () => {
    const cast = voiceCast(podcastConfig({ voice_engine: 'espeak', speakers: { person1: { name: 'A', role: 'host' }, person2: { name: 'B', role: 'guest', voice: 'en-gb+f2' } } }));
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
    expect(registry.synthesizerFor(podcastConfig({ voice_engine: 'espeak' }))).to.equal(voice);
    expect(registry.synthesizerFor(podcastConfig({ podcast_id: 'other-show', voice_engine: 'espeak' }))).to.equal(voice);
    expect(made).to.equal(1);
    expect(registry.writerFor(podcastConfig())).to.equal(writer);
  });
});

describe('the flite voice engine (Flite, offline, English only)', () => {
  const violations = (config: Record<string, unknown>) => {
    try {
      parsePodcastConfig({ ...base, voice_engine: 'flite', ...config });
    } catch (error) {
      return (error as ValidationError).violations;
    }
    return [];
  };
  const speakers = (voice: string) => ({ person1: { name: 'A', role: 'host', voice }, person2: { name: 'B', role: 'guest' } });

  it('gives an English podcast\'s hosts two different default voices, rms and slt', () => {
    const cast = voiceCast(parsePodcastConfig({ ...base, voice_engine: 'flite' }));
    expect([cast.speaker('person1'), cast.speaker('person2')]).to.deep.equal(['rms', 'slt']);
  });

  it('refuses a Hebrew podcast at parse time, saying why and what speaks Hebrew', () => {
    expect(violations({ language: 'he' })).to.deep.equal([
      '/voice_engine flite (Flite (offline, English)) has no he voices: Flite has English voices only; use espeak (offline) or a neural engine for Hebrew',
    ]);
  });

  it('accepts each of its built-in voices and refuses an espeak voice id, naming an example', () => {
    for (const voice of FLITE_VOICES) expect(violations({ speakers: speakers(voice) }), voice).to.deep.equal([]);
    expect(violations({ speakers: speakers('en-us+m3') })).to.deep.equal(['/speakers/person1/voice "en-us+m3" is not a Flite (offline, English) voice (for example "rms")']);
  });

  it('reads a Hebrew line in an English show with espeak-ng\'s Hebrew voice of the same host, Flite having none', () => {
    const cast = voiceCast(parsePodcastConfig({ ...base, voice_engine: 'flite' }));
    expect([cast.line('person1', 'he'), cast.line('person2', 'he')]).to.deep.equal(['he+m3', 'he+f3']);
    expect(cast.line('person1', 'en')).to.equal(undefined);
  });

  it('routes the voices Flite does not own to the other engine, made only when first needed', async () => {
    const spoken: string[] = [];
    const fake = (name: string, sampleRate: number): SpeechSynthesizer => ({
      sampleRate,
      concurrency: 2,
      synthesize: async (text, voice) => (spoken.push(`${name}:${voice}:${text}`), { sampleRate, samples: new Int16Array([1]) }),
    });
    let made = 0;
    const routed = routedByVoice(fake('flite', 16000), (voice) => voice === 'rms', () => (made++, fake('espeak', 22050)));
    expect([routed.sampleRate, routed.concurrency]).to.deep.equal([16000, 2]);
    await routed.synthesize('Hello.', 'rms');
    expect(made, 'no fallback until a voice needs it').to.equal(0);
    const hebrew = await routed.synthesize('שלום.', 'he+m3');
    await routed.synthesize('עוד.', 'he+f3');
    expect(hebrew.sampleRate).to.equal(22050);
    expect(made).to.equal(1);
    expect(spoken).to.deep.equal(['flite:rms:Hello.', 'espeak:he+m3:שלום.', 'espeak:he+f3:עוד.']);
  });
});
