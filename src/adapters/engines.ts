/**
 * The engine registry: each script writer and voice engine a podcast can name (core/generation/engines.ts), mapped to
 * its implementation. Implementations are created on first use and kept for the life of the process: espeak-ng's
 * WebAssembly instance is reused across episodes of a warm Lambda, and a podcastfy that never meets a podcast of an
 * engine never loads it (nor reads its key). The one place where a new engine is wired in.
 */
import type { ScriptWriterName, VoiceEngineName } from '../core/contracts.ts';
import type { Config, EngineConfigKey } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { DialogueScriptWriter } from '../core/generation/dialogue-writer.ts';
import { SCRIPT_WRITER_SPECS, VOICE_ENGINE_SPECS } from '../core/generation/engines.ts';
import type { EngineRegistry, LanguageModel, ScriptWriter, SpeechSynthesizer } from '../core/ports.ts';
import type { SecretReader } from './engine-secrets.ts';
import { EspeakSynthesizer } from './espeak-synthesizer.ts';
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
  voices: { espeak: () => new EspeakSynthesizer() },
};

/** The script writer that prompts a model (core/generation), given the model and the writer's name. */
export type ModelWriterFactory = (model: LanguageModel, writer: ScriptWriterName) => ScriptWriter;

/**
 * Every engine of a deployment, configured from the function's keys; each reads its key on first use. The model
 * writers are there when `modelWriter` is given (it makes the writer for each model).
 */
export function engineFactories(settings: EngineSettings, modelWriter?: ModelWriterFactory): EngineFactories {
  return {
    writers: {
      ...OFFLINE_ENGINE_FACTORIES.writers,
      ...(modelWriter ? { openai: () => modelWriter(createOpenAiModel(settings), 'openai') } : {}),
    },
    voices: {
      ...OFFLINE_ENGINE_FACTORIES.voices,
      openai: () => createOpenAiSpeech(settings),
    },
  };
}

/** SYNTHESIS_CONCURRENCY when set, else the engine's own default. */
function synthesisConcurrency(settings: EngineSettings, engine: VoiceEngineName): number {
  return settings.config.SYNTHESIS_CONCURRENCY || VOICE_ENGINE_SPECS[engine].concurrency;
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
    concurrency: synthesisConcurrency(settings, 'openai'),
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
