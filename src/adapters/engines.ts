/**
 * The engine registry: each script writer and voice engine a podcast can name (core/generation/engines.ts), mapped to
 * its implementation. Implementations are created on first use and kept for the life of the process: espeak-ng's
 * WebAssembly instance is reused across episodes of a warm Lambda, and a podcastfy that never meets a podcast of an
 * engine never loads it. The one place where a new engine is wired in.
 */
import type { ScriptWriterName, VoiceEngineName } from '../core/contracts.ts';
import { DialogueScriptWriter } from '../core/generation/dialogue-writer.ts';
import type { EngineRegistry, ScriptWriter, SpeechSynthesizer } from '../core/ports.ts';
import { EspeakSynthesizer } from './espeak-synthesizer.ts';

export interface EngineFactories {
  writers: Record<ScriptWriterName, () => ScriptWriter>;
  voices: Record<VoiceEngineName, () => SpeechSynthesizer>;
}

export const DEFAULT_ENGINE_FACTORIES: EngineFactories = {
  writers: { offline: () => new DialogueScriptWriter() },
  voices: { espeak: () => new EspeakSynthesizer() },
};

export function createEngineRegistry(factories: EngineFactories = DEFAULT_ENGINE_FACTORIES): EngineRegistry {
  const writers = new Map<ScriptWriterName, ScriptWriter>();
  const voices = new Map<VoiceEngineName, SpeechSynthesizer>();
  const once = <K, V>(cache: Map<K, V>, key: K, make: () => V): V => {
    let made = cache.get(key);
    if (made === undefined) cache.set(key, (made = make()));
    return made;
  };
  return {
    writerFor: (podcast) => once(writers, podcast.script_writer, factories.writers[podcast.script_writer]),
    synthesizerFor: (podcast) => once(voices, podcast.voice_engine, factories.voices[podcast.voice_engine]),
  };
}
