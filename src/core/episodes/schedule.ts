/** The scheduler's decisions: which podcasts are due, which episodes are stuck. Pure. */
import { unreadableChannels, type UnreadableChannel } from '../collection/readiness.ts';
import type { ChannelReaders } from '../ports.ts';
import type { PodcastConfig } from '../contracts.ts';
import { IN_FLIGHT, stageOf, type Episode, type EpisodeStatus } from './status.ts';
import { ConflictError, errorMessage } from '../errors.ts';
import type { QueueDepth, QueueInspector } from '../ports.ts';
import { addHours } from '../time.ts';
import { EpisodeInFlightError, triggerEpisode, type TriggerDeps } from './start-episode.ts';

/**
 * Slack on "frequency has passed": an episode's creation time is taken a moment after the tick that started it, so
 * without slack the tick exactly one period later finds it a few milliseconds short and the episode slips by a whole
 * tick every period (07:00, 07:15, 07:30 …). Smaller than any tick rate worth running.
 */
export const DUE_TOLERANCE_MS = 5 * 60_000;

export type DueDecision = { due: true } | { due: false; reason: string };

/**
 * A podcast is due when it is enabled, has no episode in flight, and its latest episode was created at least
 * `episode_frequency_hours` ago. A failed episode waits like any other: a podcast that fails every time must not be
 * retried every tick; an operator retries at once with `episode generate`.
 */
export function isDue(podcast: PodcastConfig, latest: Episode | undefined, now: Date): DueDecision {
  if (!podcast.enabled) return { due: false, reason: 'disabled' };
  if (!latest) return { due: true };
  if (IN_FLIGHT.includes(latest.status)) return { due: false, reason: `episode ${latest.episode_id} is ${latest.status}` };
  const next = addHours(new Date(latest.timestamp), podcast.episode_frequency_hours);
  if (next.getTime() - DUE_TOLERANCE_MS > now.getTime()) return { due: false, reason: `next episode at ${next.toISOString()}` };
  return { due: true };
}

/** The statuses the sweeper looks at, and the cut-off before which an episode in one of them counts as stuck. */
export const SWEPT_STATUSES: readonly EpisodeStatus[] = IN_FLIGHT;

export function stuckCutoff(now: Date, stuckAfterMinutes: number): string {
  return new Date(now.getTime() - stuckAfterMinutes * 60_000).toISOString();
}

export interface ScheduleDeps extends TriggerDeps {
  inspector: QueueInspector;
  readers: ChannelReaders;
  queues: Array<{ name: string; url: string }>;
  stuckAfterMinutes: number;
  /** Hours past the longest enabled frequency before the pipeline counts as stalled (default 6). */
  stalledMarginHours?: number;
}

export interface ScheduleReport {
  depths: QueueDepth[];
  stuck: Array<{ podcast_id: string; episode_id: string; status: EpisodeStatus; updated_at: string }>;
  triggered: Array<{ podcast_id: string; episode_id: string }>;
  notDue: Array<{ podcast_id: string; reason: string }>;
  /** Due podcasts not started because a channel cannot be read yet (no export, no session), with why. */
  unreadable: Array<{ podcast_id: string; channels: UnreadableChannel[] }>;
  errors: Array<{ podcast_id?: string; step: string; error: string }>;
  /**
   * Is the pipeline producing? Hours since the newest completed episode of any enabled podcast (0 while none has
   * completed one, or none is enabled: a new deployment is not stalled), against the longest enabled frequency plus the
   * margin. The scheduler publishes both as metrics; the stalled alarm fires while the first exceeds the second.
   */
  completion: { hours_since: number; expected_hours: number; newest?: { podcast_id: string; episode_id: string; completed_at: string } };
}

/**
 * One scheduler tick: read the queues' depths, fail episodes stuck past the timeout (so their podcast can move on),
 * then start an episode for every due podcast. A failure for one podcast does not stop the others; it is reported.
 */
export async function runSchedule(deps: ScheduleDeps): Promise<ScheduleReport> {
  const margin = deps.stalledMarginHours ?? 6;
  const report: ScheduleReport = { depths: [], stuck: [], triggered: [], notDue: [], unreadable: [], errors: [], completion: { hours_since: 0, expected_hours: margin } };
  const attempt = async (step: string, podcastId: string | undefined, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      report.errors.push({ ...(podcastId ? { podcast_id: podcastId } : {}), step, error: errorMessage(error) });
    }
  };

  for (const q of deps.queues) await attempt(`depth ${q.name}`, undefined, async () => void report.depths.push(await deps.inspector.depth(q.name, q.url)));

  const now = deps.clock.now();
  const cutoff = stuckCutoff(now, deps.stuckAfterMinutes);
  for (const status of SWEPT_STATUSES) {
    await attempt(`sweep ${status}`, undefined, async () => {
      for (const e of await deps.episodes.listByStatus(status, cutoff)) {
        await attempt('mark stuck episode failed', e.podcast_id, async () => {
          const marked = await deps.episodes.apply(
            'markFailed',
            { podcastId: e.podcast_id, episodeId: e.episode_id },
            {
              error: `stuck in ${status} since ${e.updated_at} (more than ${deps.stuckAfterMinutes} minutes)${e.last_error ? `; last error: ${e.last_error}` : ''}`,
              failed_stage: stageOf(status),
            },
            now,
            // Only if nothing touched it since we read it and no claim is still running: never fail live work.
            { updatedAt: e.updated_at, leaseExpired: true },
          ).catch((error: unknown) => {
            if (error instanceof ConflictError) return undefined; // it moved on (or is leased) since we read it
            throw error;
          });
          if (marked) report.stuck.push({ podcast_id: e.podcast_id, episode_id: e.episode_id, status, updated_at: e.updated_at });
        });
      }
    });
  }

  let podcasts: PodcastConfig[] = [];
  await attempt('list podcasts', undefined, async () => {
    const listed = await deps.podcasts.list();
    podcasts = listed.podcasts;
    for (const bad of listed.invalid) report.errors.push({ podcast_id: bad.podcast_id, step: 'read configuration', error: bad.error });
  });
  await attempt('newest completed episode', undefined, async () => {
    report.completion = await completionAge(deps, podcasts, margin);
  });
  for (const podcast of podcasts) {
    await attempt('trigger', podcast.podcast_id, async () => {
      const latest = await deps.episodes.latestChannelEpisode(podcast.podcast_id);
      const decision = isDue(podcast, latest, deps.clock.now());
      if (!decision.due) {
        report.notDue.push({ podcast_id: podcast.podcast_id, reason: decision.reason });
        return;
      }
      const unreadable = await unreadableChannels(deps.readers, podcast);
      if (unreadable.length) {
        report.unreadable.push({ podcast_id: podcast.podcast_id, channels: unreadable });
        report.notDue.push({ podcast_id: podcast.podcast_id, reason: `not started: ${unreadable.map((u) => u.reason).join('; ')}` });
        return;
      }
      try {
        const episode = await triggerEpisode(deps, podcast.podcast_id, 'schedule');
        report.triggered.push({ podcast_id: episode.podcast_id, episode_id: episode.episode_id });
      } catch (error) {
        // Someone (an admin, a concurrent tick) started one between our read and our write: not an error.
        if (error instanceof EpisodeInFlightError) report.notDue.push({ podcast_id: podcast.podcast_id, reason: error.message });
        else throw error;
      }
    });
  }
  return report;
}

/** ScheduleReport.completion: the newest completed episode among the enabled podcasts, and when one is expected. */
async function completionAge(deps: ScheduleDeps, podcasts: PodcastConfig[], margin: number): Promise<ScheduleReport['completion']> {
  const enabled = podcasts.filter((p) => p.enabled);
  const expected_hours = Math.max(0, ...enabled.map((p) => p.episode_frequency_hours)) + margin;
  let newest: Episode | undefined;
  for (const podcast of enabled) {
    const completed = await deps.episodes.latestChannelEpisode(podcast.podcast_id, { status: 'completed' });
    if (completed?.completed_at && (!newest || completed.completed_at > newest.completed_at!)) newest = completed;
  }
  if (!newest?.completed_at) return { hours_since: 0, expected_hours };
  const hours = (deps.clock.now().getTime() - Date.parse(newest.completed_at)) / 3_600_000;
  return {
    hours_since: Math.max(0, Math.round(hours * 100) / 100),
    expected_hours,
    newest: { podcast_id: newest.podcast_id, episode_id: newest.episode_id, completed_at: newest.completed_at },
  };
}
