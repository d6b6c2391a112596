/**
 * An episode's length: the target a podcast sets (or its frequency implies), and the word budget a script writer aims
 * at for the voice engine that will speak it. Every writer honours it: a script is never longer than its target
 * (+15 %), and one shorter than 85 % of it says why (ScriptGeneration.short_because). Pure.
 */
import type { PodcastConfig } from '../contracts.ts';
import { VOICE_ENGINE_SPECS } from './engines.ts';
import type { Script } from './script.ts';

/** The band a finished episode should fall in, as fractions of its target. */
export const LENGTH_TOLERANCE = { below: 0.85, above: 1.15 } as const;

/**
 * Minutes an episode should run: the podcast's `target_minutes`, else by frequency: 5 for several episodes a day,
 * 10 for a daily show, 20 for a weekly or rarer one.
 */
export function targetMinutes(podcast: Pick<PodcastConfig, 'target_minutes' | 'episode_frequency_hours'>): number {
  if (podcast.target_minutes !== undefined) return podcast.target_minutes;
  if (podcast.episode_frequency_hours < 24) return 5;
  if (podcast.episode_frequency_hours < 168) return 10;
  return 20;
}

/** The voice engine's speaking rate for the podcast's language, in words per minute (pauses between turns included). */
export function wordsPerMinute(podcast: Pick<PodcastConfig, 'voice_engine' | 'language'>): number {
  const spec = VOICE_ENGINE_SPECS[podcast.voice_engine];
  return spec.wordsPerMinute[podcast.language] ?? spec.wordsPerMinute.en ?? 150;
}

/** Words a script should hold to run `targetMinutes` with the podcast's voice engine. */
export function wordBudget(podcast: Pick<PodcastConfig, 'target_minutes' | 'episode_frequency_hours' | 'voice_engine' | 'language'>): number {
  return Math.round(targetMinutes(podcast) * wordsPerMinute(podcast));
}

/** Spoken words in a text (whitespace-separated runs that hold a letter or a digit). */
export function countWords(text: string): number {
  return text.split(/\s+/u).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}

/** Spoken words in a script. */
export function scriptWords(script: Pick<Script, 'turns'>): number {
  return script.turns.reduce((sum, turn) => sum + countWords(turn.text), 0);
}
