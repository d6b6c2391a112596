/** The time window an episode covers. Pure. */
import type { PodcastConfig } from '../contracts.ts';
import type { Episode } from '../episodes/status.ts';
import type { TimeWindow } from '../ports.ts';
import { addHours } from '../time.ts';

/**
 * The exact window an episode covers, up to the episode's creation time: from the end of the podcast's last completed
 * episode's window (so nothing is read twice and nothing between episodes is missed), else `window_hours` before the
 * episode's creation. No rounding to days.
 */
export function collectionWindow(
  podcast: Pick<PodcastConfig, 'window_hours'>,
  episodeCreatedAt: Date,
  lastCompleted: Pick<Episode, 'window_to' | 'timestamp'> | undefined,
): TimeWindow {
  const to = episodeCreatedAt;
  const lastEnd = lastCompleted ? new Date(lastCompleted.window_to ?? lastCompleted.timestamp) : undefined;
  const from = lastEnd && lastEnd < to ? lastEnd : addHours(to, -podcast.window_hours);
  return { from, to };
}

/** Whether an instant lies in the half-open window (from, to]: a post exactly at `from` belonged to the previous episode. */
export function inWindow(date: Date, window: TimeWindow): boolean {
  return date > window.from && date <= window.to;
}
