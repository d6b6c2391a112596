/**
 * The engine registry: each script writer and voice engine a podcast can name (core/generation/engines.ts), mapped to
 * its implementation. Implementations are created on first use and kept for the life of the process: espeak-ng's
 * WebAssembly instance and Flite's child processes are reused across episodes of a warm Lambda, and a podcastfy that never meets a podcast of an
 * engine never loads it (nor reads its key). The one place where a new engine is wired in.
 */
import type { ScriptWriterName, VoiceEngineName } from '../core/contracts.ts';
import type { Config, EngineConfigKey } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { DialogueScriptWriter } from '../core/generation/dialogue-writer.ts';
import { FLITE_VOICES, SCRIPT_WRITER_SPECS, VOICE_ENGINE_SPECS } from '../core/generation/engines.ts';
import { ModelScriptWriter } from '../core/generation/model-writer.ts';
import type { EngineRegistry, LanguageModel, ScriptWriter, SpeechSynthesizer } from '../core/ports.ts';
import { BedrockLanguageModel, createBedrockRuntimeClient } from './bedrock-model.ts';
import type { SecretReader } from './engine-secrets.ts';
import { createElevenLabsSpeech } from './elevenlabs-speech.ts';
import { EspeakSynthesizer } from './espeak-synthesizer.ts';
import { FliteSynthesizer } from './flite-synthesizer.ts';
import { createGeminiModel } from './gemini-model.ts';
import { createGeminiSpeech } from './gemini-speech.ts';
import { PollySynthesizer, createPollyClient } from './polly-speech.ts';
import { OpenAiModel } from './openai-model.ts';
import { OpenAiSpeechSynthesizer } from './openai-speech.ts';

export interface EngineFactories {
  writers: Partial<Record<ScriptWriterName, () => ScriptWriter>>;
  voices: Partial<Record<VoiceEngineName, () => SpeechSynthesizer>>;
}

/** What the engines are configured with: the function's engine keys, and where their API keys are read. */
export interface EngineSettings {
  config: Config<EngineConfigKey>;
  secrets: SecretReader;
}

/** The offline engines only: what tests and benches that name no engine use. */
export const OFFLINE_ENGINE_FACTORIES: EngineFactories = {
  writers: { offline: () => new DialogueScriptWriter() },
  voices: {
    espeak: () => new EspeakSynthesizer(),
    // Flite speaks English only: a line in another language (its spec's lineVoices: espeak-ng voices) goes to espeak-ng.
    flite: () => routedByVoice(new FliteSynthesizer(), (voice) => (FLITE_VOICES as readonly string[]).includes(voice), () => new EspeakSynthesizer()),
  },
};

/** Every engine of a deployment, configured from the function's keys; each reads its key on first use. */
export function engineFactories(settings: EngineSettings): EngineFactories {
  return {
    writers: {
      ...OFFLINE_ENGINE_FACTORIES.writers,
      bedrock: () => new ModelScriptWriter(createBedrockModel(settings), 'bedrock'),
      gemini: () => new ModelScriptWriter(createGeminiModel(settings), 'gemini'),
      openai: () => new ModelScriptWriter(createOpenAiModel(settings), 'openai'),
    },
    voices: {
      ...OFFLINE_ENGINE_FACTORIES.voices,
      polly: () => new PollySynthesizer({ client: createPollyClient(), concurrency: concurrencyOf('polly', settings) }),
      gemini: () => createGeminiSpeech(settings),
      elevenlabs: () => createElevenLabsSpeech(settings),
      openai: () => createOpenAiSpeech(settings),
    },
  };
}

/** The Bedrock model BEDROCK_MODEL_ID names, over a client of the function's region (IAM only: no key to read). */
export function createBedrockModel(settings: EngineSettings): LanguageModel {
  return new BedrockLanguageModel({ client: createBedrockRuntimeClient(), modelId: settings.config.BEDROCK_MODEL_ID });
}

/** SYNTHESIS_CONCURRENCY when set (above 0), else the engine's own default. */
export function concurrencyOf(engine: VoiceEngineName, settings: EngineSettings): number {
  return settings.config.SYNTHESIS_CONCURRENCY || VOICE_ENGINE_SPECS[engine].concurrency;
}

/**
 * A synthesizer that speaks the voices `owns` accepts with `primary` and any other voice with `other`, made on first
 * need. It keeps `primary`'s rate and concurrency (a turn at another rate is resampled by the renderer).
 */
export function routedByVoice<P extends SpeechSynthesizer>(
  primary: P,
  owns: (voice: string) => boolean,
  other: () => SpeechSynthesizer,
): SpeechSynthesizer & { dispose(): Promise<void> } {
  let fallback: SpeechSynthesizer | undefined;
  const disposeOf = (s: SpeechSynthesizer | undefined) => (s as { dispose?: () => unknown } | undefined)?.dispose?.();
  return {
    sampleRate: primary.sampleRate,
    concurrency: primary.concurrency,
    synthesize: (text, voice, context) => (owns(voice) ? primary : (fallback ??= other())).synthesize(text, voice, context),
    /** Releases both engines (Flite's child processes, espeak-ng's instance). */
    async dispose() {
      await Promise.all([disposeOf(primary), disposeOf(fallback)]);
    },
  };
}

/** The OpenAI-compatible chat model of OPENAI_BASE_URL and OPENAI_MODEL (keyless when the server is not OpenAI's and no key is named). */
export function createOpenAiModel({ config, secrets }: EngineSettings): LanguageModel {
  return new OpenAiModel({ baseURL: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL, keyReference: config.OPENAI_API_KEY_SECRET_ID, secrets });
}

/** OpenAI speech with OPENAI_TTS_MODEL at OPENAI_BASE_URL. */
export function createOpenAiSpeech(settings: EngineSettings): SpeechSynthesizer {
  const { config, secrets } = settings;
  return new OpenAiSpeechSynthesizer({
    baseURL: config.OPENAI_BASE_URL,
    model: config.OPENAI_TTS_MODEL,
    keyReference: config.OPENAI_API_KEY_SECRET_ID,
    secrets,
    concurrency: concurrencyOf('openai', settings),
  });
}

export function createEngineRegistry(factories: EngineFactories = OFFLINE_ENGINE_FACTORIES): EngineRegistry {
  const writers = new Map<ScriptWriterName, ScriptWriter>();
  const voices = new Map<VoiceEngineName, SpeechSynthesizer>();
  const once = <K, V>(cache: Map<K, V>, key: K, make: (() => V) | undefined, what: string): V => {
    let made = cache.get(key);
    if (made === undefined) {
      if (!make) throw new ConfigError(`${what} is not available in this deployment`);
      cache.set(key, (made = make()));
    }
    return made;
  };
  return {
    writerFor: (podcast) =>
      once(writers, podcast.script_writer, factories.writers[podcast.script_writer], `script writer ${podcast.script_writer} (${SCRIPT_WRITER_SPECS[podcast.script_writer].label})`),
    synthesizerFor: (podcast) =>
      once(voices, podcast.voice_engine, factories.voices[podcast.voice_engine], `voice engine ${podcast.voice_engine} (${VOICE_ENGINE_SPECS[podcast.voice_engine].label})`),
  };
}
