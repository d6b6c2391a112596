/** The two-host script: what the ScriptWriter produces and the SpeechSynthesizer speaks. */
import type { Language } from '../contracts.ts';

export type SpeakerId = 'person1' | 'person2';

export interface ScriptTurn {
  speaker: SpeakerId;
  text: string;
  /** Which part of the show this line belongs to: `intro`, `segment-<n>`, `outro`. */
  section: string;
  /** A voice for this line only: a post in another language is read by the speaker's voice for that language. */
  voice?: string;
}

export interface Script {
  language: Language;
  title: string;
  speakers: Record<SpeakerId, { name: string; role: string; voice: string }>;
  turns: ScriptTurn[];
}

/** A timed transcript cue; times in seconds from the start of the episode. */
export interface Cue {
  speaker: SpeakerId;
  speakerName: string;
  text: string;
  start: number;
  end: number;
}
