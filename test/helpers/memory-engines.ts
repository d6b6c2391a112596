/** In-memory engines and audio for fast specs of the generator: a synthesizer that makes a tone per character, and an
 * audio store that keeps what it is given. */
import { DialogueScriptWriter } from '../../src/core/generation/dialogue-writer.ts';
import type { Script } from '../../src/core/generation/script.ts';
import type { AudioStore, EngineRegistry, EpisodeAudioWriter, Pcm, ScriptWriter, SpeechSynthesizer } from '../../src/core/ports.ts';
import { twoHostScript } from './factories.ts';

/** 100 samples per character at 8 kHz: long texts make long audio, and a call can be made to fail. */
export class ToneSynthesizer implements SpeechSynthesizer {
  readonly sampleRate = 8_000;
  readonly calls: Array<{ text: string; voice: string }> = [];
  /** Calls (1-based) that throw this error instead of speaking. */
  readonly failOn = new Map<number, unknown>();

  async synthesize(text: string, voice: string): Promise<Pcm> {
    this.calls.push({ text, voice });
    const failure = this.failOn.get(this.calls.length);
    if (failure !== undefined) throw failure;
    return { sampleRate: this.sampleRate, samples: new Int16Array(text.length * 100).fill(1000) };
  }
}

/**
 * Writes a script of `turns` distinct lines, alternating hosts, with `generation` filled in as the ScriptWriter port
 * asks, and counts how often it was asked. The first script's lines are "Line number <n> of the show."; each later one
 * says which write it is ("… of the show, take 2."), so a spec can hear which script was spoken.
 */
export class FixedScriptWriter implements ScriptWriter {
  writes = 0;
  constructor(readonly turns = 10) {}

  async write(): Promise<Script> {
    this.writes++;
    const take = this.writes > 1 ? `, take ${this.writes}` : '';
    const script = twoHostScript(
      Array.from({ length: this.turns }, (_, i) => ({
        speaker: i % 2 ? ('person2' as const) : ('person1' as const),
        text: `Line number ${i + 1} of the show${take}.`,
        section: i === 0 ? 'intro' : 'segment-1',
      })),
    );
    const words = script.turns.reduce((n, t) => n + t.text.split(/\s+/).length, 0);
    return { ...script, generation: { writer: 'offline', target_minutes: 10, words, estimated_minutes: Math.round((words / 150) * 10) / 10 } };
  }
}

export interface StoredAudio {
  samples: number;
  sampleRate?: number;
  state: 'open' | 'finished' | 'discarded';
}

export class MemoryAudioStore implements AudioStore {
  readonly audio = new Map<string, StoredAudio>();

  async open(key: string): Promise<EpisodeAudioWriter> {
    const entry: StoredAudio = { samples: 0, state: 'open' };
    let pending = 0;
    return {
      get sampleRate() {
        return entry.sampleRate;
      },
      write: async (samples, sampleRate) => {
        if (entry.sampleRate !== undefined && entry.sampleRate !== sampleRate) throw new Error(`rate changed to ${sampleRate}`);
        entry.sampleRate = sampleRate;
        pending += samples.length;
      },
      finish: async () => {
        entry.samples = pending;
        entry.state = 'finished';
        this.audio.set(key, entry);
        return { bytes: pending * 2 };
      },
      discard: async () => {
        entry.state = 'discarded';
        if (!this.audio.has(key)) this.audio.set(key, entry);
      },
    };
  }
}

export function memoryEngines(synthesizer: SpeechSynthesizer = new ToneSynthesizer(), writer: ScriptWriter = new DialogueScriptWriter()): EngineRegistry {
  return { writerFor: () => writer, synthesizerFor: () => synthesizer };
}
