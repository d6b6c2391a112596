/**
 * The engines a podcast can name, as data: which script writer writes its dialogue and which voice engine speaks it,
 * what each engine accepts, and the voices it uses when a speaker names none. Pure: the composition root
 * (src/adapters/engines.ts) maps each name to its implementation, and a podcast configuration is checked against the
 * engine it names here, so a voice is validated by the engine that will speak it, not by one pattern for all.
 */
import type { Language, PodcastConfig, ScriptWriterName, VoiceEngineName } from '../contracts.ts';
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
}

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
  },
};

export interface ScriptWriterSpec {
  label: string;
  languages: readonly Language[];
}

export const SCRIPT_WRITER_SPECS: Record<ScriptWriterName, ScriptWriterSpec> = {
  offline: { label: 'the offline dialogue writer', languages: ['en', 'he'] },
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
    violations.push(`/voice_engine ${config.voice_engine} (${voices.label}) has no ${config.language} voices`);
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
      language && language !== podcast.language && !podcast.speakers[id].voice ? defaults[language]?.[id] : undefined,
  };
}
