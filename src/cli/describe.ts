/**
 * What the CLI prints about an episode's script and a podcast's length, apart from main.ts so a test reads the text
 * without running the CLI: the length against the target, what was left out and why it is short, a model's usage.
 */
import type { PodcastConfig } from '../core/contracts.ts';
import type { ScriptGeneration } from '../core/generation/script.ts';
import { targetMinutes } from '../core/generation/length.ts';

/** "10 min (from the frequency: an episode every 24 h)" or "15 min (target_minutes)". */
export function lengthText(podcast: Pick<PodcastConfig, 'target_minutes' | 'episode_frequency_hours'>): string {
  const minutes = targetMinutes(podcast);
  return podcast.target_minutes === undefined
    ? `${minutes} min (from the frequency: an episode every ${podcast.episode_frequency_hours} h)`
    : `${minutes} min (target_minutes)`;
}

/** The lines `episode status` prints under the episode, indented like its channel lines. */
export function generationLines(g: ScriptGeneration): string[] {
  const lines = [`  script: ${g.writer}${g.model ? ` (${g.model})` : ''}, ${g.words} words, about ${g.estimated_minutes} min for a target of ${g.target_minutes} min`];
  if (g.short_because) lines.push(`  short because ${g.short_because}`);
  const left = [
    g.posts_left_out ? `${g.posts_left_out} post(s) left out for length` : '',
    g.promotional_dropped ? `${g.promotional_dropped} promotional post(s) dropped` : '',
  ].filter(Boolean);
  if (left.length) lines.push(`  ${left.join(', ')}`);
  if (g.usage) {
    const u = g.usage;
    const cost = u.estimated_cost_usd !== undefined ? `, about $${u.estimated_cost_usd.toFixed(4)}` : '';
    lines.push(`  model usage: ${u.requests} request(s), ${u.input_tokens} input + ${u.output_tokens} output tokens${u.repairs ? `, ${u.repairs} repair(s)` : ''}${cost}`);
  }
  return lines;
}
