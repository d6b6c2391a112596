/**
 * An episode as the admin API shows it: its stage and the time in it, its timeline as periods (each status with
 * start, end, duration, try and whether it was asked to write a new script, message id, error), how its script was written (length against the target, what was left
 * out, a model's usage) and, once completed, links to its files and its publication in the feed.
 */
import { IN_FLIGHT, TERMINAL, numberAttempts, type Episode } from '../core/episodes/status.ts';
import type { ObjectLinks } from '../core/ports.ts';

/** How long presigned links live: long enough to listen, short enough that a leaked one soon stops working. */
export const LINK_SECONDS = 15 * 60;

export interface Period {
  status: Episode['status'];
  transition: string;
  start: string;
  /** Absent while the episode is still in this status. */
  end?: string;
  duration_seconds?: number;
  attempt?: number;
  message_id?: string;
  /** The try was for an operator's request for a new script. */
  new_script?: true;
  error?: string;
}

/** The stage an operator reads: where an in-flight episode is, where a failed one stopped. */
function stageOf(e: Episode): string {
  if (e.status === 'failed') return e.failed_stage ?? 'unknown';
  if (e.status === 'pending') return 'queued';
  if (e.status === 'collected') return 'waiting for generation';
  return e.status;
}

export function periodsOf(e: Episode, now: Date): Period[] {
  const entries = numberAttempts(e.timeline ?? []);
  const starts = [{ status: 'pending' as const, transition: 'create', at: e.created_at }, ...entries];
  return starts.map((entry, i) => {
    const next = starts[i + 1];
    const end = next?.at;
    const until = next ? Date.parse(next.at) : IN_FLIGHT.includes(entry.status) ? now.getTime() : undefined;
    return {
      status: entry.status,
      transition: entry.transition,
      start: entry.at,
      ...(end ? { end } : {}),
      ...(until !== undefined ? { duration_seconds: Math.max(0, (until - Date.parse(entry.at)) / 1000) } : {}),
      ...('attempt' in entry && entry.attempt !== undefined ? { attempt: entry.attempt } : {}),
      ...('message_id' in entry && entry.message_id ? { message_id: entry.message_id } : {}),
      ...('new_script' in entry && entry.new_script ? { new_script: true as const } : {}),
      ...('error' in entry && entry.error ? { error: entry.error } : {}),
    };
  });
}

/** The list view: what a row of a table needs. */
export function episodeSummary(e: Episode) {
  return {
    podcast_id: e.podcast_id,
    episode_id: e.episode_id,
    status: e.status,
    trigger: e.trigger,
    created_at: e.created_at,
    updated_at: e.updated_at,
    attempts: e.attempts,
    ...(e.duration_seconds !== undefined ? { duration_seconds: e.duration_seconds } : {}),
    ...(e.error ? { error: e.error } : {}),
    ...(e.failed_stage ? { failed_stage: e.failed_stage } : {}),
    ...(e.skip_reason ? { skip_reason: e.skip_reason } : {}),
    status_url: statusUrl(e),
  };
}

export function statusUrl(e: Pick<Episode, 'podcast_id' | 'episode_id'>): string {
  return `/api/podcasts/${encodeURIComponent(e.podcast_id)}/episodes/${encodeURIComponent(e.episode_id)}`;
}

export async function episodeDetail(e: Episode, now: Date, links: ObjectLinks) {
  const inFlight = IN_FLIGHT.includes(e.status);
  const files: Record<string, string> = {};
  if (e.status === 'completed') {
    const keys = { audio: e.audio_key, transcript: e.transcript_key, vtt: e.vtt_key };
    for (const [name, key] of Object.entries(keys)) if (key) files[name] = await links.linkTo(key, LINK_SECONDS);
  }
  return {
    ...episodeSummary(e),
    stage: stageOf(e),
    terminal: TERMINAL.includes(e.status),
    time_in_stage_seconds: inFlight ? Math.max(0, (now.getTime() - Date.parse(e.updated_at)) / 1000) : null,
    ...(e.last_error ? { last_error: e.last_error } : {}),
    ...(e.window_from ? { window: { from: e.window_from, to: e.window_to } } : {}),
    ...(e.result ? { message_count: e.result.message_count } : {}),
    ...(e.result?.channel_stats ? { channel_stats: e.result.channel_stats } : {}),
    ...(e.generation ? { generation: e.generation } : {}),
    timeline: periodsOf(e, now),
    // The feed item (public URLs, no expiry) while published; when it was last taken out of the feed.
    ...(e.publication ? { publication: e.publication } : {}),
    ...(e.withdrawn_at ? { withdrawn_at: e.withdrawn_at } : {}),
    files,
    links_expire_in_seconds: Object.keys(files).length ? LINK_SECONDS : undefined,
  };
}
