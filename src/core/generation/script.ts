/** The two-host script: what the ScriptWriter produces and the SpeechSynthesizer speaks. */
import type { Language, ScriptWriterName } from '../contracts.ts';

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
  /** The episode's title, plain text: from the stories (offline writer) or the model's outline (model writers). */
  title: string;
  /**
   * What the episode is about, for the feed: plain text, 1–3 sentences, at most MAX_DESCRIPTION_CHARS, no markup
   * (absent in scripts stored before it existed).
   */
  description?: string;
  /**
   * One per section the turns use, in the turns' order (intro, segment-1…n, outro): the feed's JSON chapters
   * (transcript.ts toJsonChapters). Absent in scripts stored before it existed.
   */
  chapters?: ScriptChapter[];
  /** `instructions`: how the host speaks, for voice engines that can be directed (SpeechContext). */
  speakers: Record<SpeakerId, { name: string; role: string; voice: string; instructions?: string }>;
  turns: ScriptTurn[];
  /** How the script was written and how long it should run (absent in scripts stored before it existed). */
  generation?: ScriptGeneration;
}

/** A section of the script as a chapter of the episode. */
export interface ScriptChapter {
  /** The turns' `section` it titles (`intro`, `segment-<n>`, `outro`). */
  section: string;
  /** Short plain text in the podcast's language (at most MAX_CHAPTER_TITLE_CHARS). */
  title: string;
  /** Public links of the posts the section talks about (`https://t.me/<channel>/<id>`), most important first. */
  sources: string[];
}

/** Bounds of the feed's texts, applied by every writer (chapters.ts plainText). */
export const MAX_TITLE_CHARS = 120;
export const MAX_DESCRIPTION_CHARS = 600;
export const MAX_CHAPTER_TITLE_CHARS = 100;

/** Recorded in script.json and on the episode (`generation`): length against the target, and a model's usage. */
export interface ScriptGeneration {
  writer: ScriptWriterName;
  /** The model that wrote it ("bedrock amazon.nova-lite-v1:0"); absent for the offline writer. */
  model?: string;
  target_minutes: number;
  /** Spoken words in the script. */
  words: number;
  /** words / the voice engine's words per minute: what the writer aimed at (the episode's duration is measured). */
  estimated_minutes: number;
  /** Why the script is shorter than 85 % of its target, when it is (e.g. "the 3 posts hold about 2 minutes"). */
  short_because?: string;
  /** Posts left out to keep within the target, and promotional posts dropped. */
  posts_left_out?: number;
  promotional_dropped?: number;
  /** A model's requests and tokens, and the cost estimated from the model's price (when known). */
  usage?: { requests: number; input_tokens: number; output_tokens: number; estimated_cost_usd?: number; repairs: number };
  /**
   * When the generator stored this script (ISO; set by the generator, not the writer). An operator's request for a new
   * script rewrites only a script written before the request; a stored script without it counts as older.
   */
  written_at?: string;
}

/** A timed transcript cue; times in seconds from the start of the episode. */
export interface Cue {
  speaker: SpeakerId;
  speakerName: string;
  text: string;
  /** The section of the turn it speaks (ScriptTurn `section`): where chapters start. */
  section: string;
  start: number;
  end: number;
}
