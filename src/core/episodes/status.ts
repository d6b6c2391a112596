/**
 * The episode record and its status machine (docs/architecture.md "State"):
 *   pending → collecting → collected → generating → completed
 *   any active state → failed (error, failed_stage, attempts); collecting → skipped (no new content).
 * Every transition is a conditional update in the store, built from {@link TRANSITIONS}: a redelivered or duplicate
 * message can never move an episode backwards, and a completed episode is never regenerated.
 */
import type { CollectionSummary, PodcastConfig, Trigger } from '../contracts.ts';
import type { ScriptGeneration } from '../generation/script.ts';
import { episodePrefix } from '../keys.ts';
import { episodeIdFor } from '../time.ts';

export const EPISODE_STATUSES = ['pending', 'collecting', 'collected', 'generating', 'completed', 'failed', 'skipped'] as const;
export type EpisodeStatus = (typeof EPISODE_STATUSES)[number];

/** States in which an episode is still on its way; a podcast with one of these is not due again. */
export const IN_FLIGHT: readonly EpisodeStatus[] = ['pending', 'collecting', 'collected', 'generating'];
export const TERMINAL: readonly EpisodeStatus[] = ['completed', 'failed', 'skipped'];

/** The stage an episode was in when it failed; `queued` means it never left the collection queue. */
export type FailedStage = 'queued' | 'collecting' | 'generating';

export interface EpisodeFiles {
  content_key?: string;
  script_key?: string;
  audio_key?: string;
  transcript_key?: string;
  vtt_key?: string;
  /** chapters.json: the episode's JSON chapters (absent on episodes completed before they existed). */
  chapters_key?: string;
}

export interface Episode extends EpisodeFiles {
  podcast_id: string;
  episode_id: string;
  status: EpisodeStatus;
  trigger: Trigger | 'direct';
  /** Creation time, ISO 8601 UTC; `episode_id` is its compact form. */
  timestamp: string;
  s3_path: string;
  created_at: string;
  updated_at: string;
  /**
   * Tries of the stage the episode is in, or failed in: 1 for a clean first run, 2 after one redelivery or redrive of
   * that stage. Each stage also keeps its own count.
   */
  attempts: number;
  collection_attempts?: number;
  generation_attempts?: number;
  /** A claim is exclusive until this time; a redelivery after it may take the episode over. */
  lease_expires_at?: string;
  window_from?: string;
  window_to?: string;
  result?: CollectionSummary;
  skip_reason?: string;
  error?: string;
  failed_stage?: FailedStage;
  /** Last transient error, kept while SQS retries, so an operator sees why an episode is slow. */
  last_error?: string;
  duration_seconds?: number;
  /** The script's title and description (set at completion), so the feed need not read script.json. */
  title?: string;
  description?: string;
  /** How the script was written: its length against the target, a model's tokens and estimated cost. */
  generation?: ScriptGeneration;
  completed_at?: string;
  /** Where and since when a completed episode is in its podcast's public feed (src/core/publishing/); absent: not. */
  publication?: EpisodePublication;
  /** When it was last withdrawn from the feed (its public copies deleted). */
  withdrawn_at?: string;
  /** Every transition applied, oldest first, appended in the same conditional update (the admin page's history). */
  timeline?: TimelineEntry[];
}

/** A published episode's public copies (under the bucket's public/ prefix) and the feed item's identity. */
export interface EpisodePublication {
  published_at: string;
  /** The feed item's guid: stable across regenerations and re-publication (publishing/feed.ts episodeGuid). */
  guid: string;
  /** The feed item's title and description: the script's, or made from the podcast and the date. */
  title: string;
  description: string;
  audio_url: string;
  /** The public MP3's exact size: the enclosure's length. */
  audio_bytes: number;
  vtt_url: string;
  transcript_url: string;
  chapters_url?: string;
}

/**
 * One applied transition: a stage's claim or settlement, the message that caused it, its error. A claim's try number
 * is not stored (DynamoDB computes the counter inside the update, where a list literal cannot read it); it is the
 * count of that claim in the timeline so far, which {@link numberAttempts} fills in on read.
 */
export interface TimelineEntry {
  transition: TransitionName;
  /** The status it entered. */
  status: EpisodeStatus;
  at: string;
  /** A claim's try of its stage (1 on a clean run). */
  attempt?: number;
  /** The SQS message the transition was made for, when a consumer made it. */
  message_id?: string;
  /** A generation claim for an operator's message that asked for a new script. */
  new_script?: true;
  error?: string;
}

/**
 * What a transition writes: episode fields, plus the {@link TIMELINE_ONLY} fields, which go to the timeline entry only
 * (`message_id`: the SQS consumer sets it from the record it is processing; `new_script`: the generator's claim).
 */
export type TransitionChanges = Partial<Episode> & { message_id?: string; new_script?: boolean };

/** Fields of {@link TransitionChanges} that are written to the timeline entry, never to the episode. */
export const TIMELINE_ONLY: readonly string[] = ['message_id', 'new_script'];

/** The timeline entry of `name`, applied at `now` with `changes`. */
export function timelineEntry(name: TransitionName, changes: TransitionChanges, now: Date): TimelineEntry {
  return {
    transition: name,
    status: TRANSITIONS[name].to,
    at: now.toISOString(),
    ...(changes.message_id ? { message_id: changes.message_id } : {}),
    ...(changes.new_script ? { new_script: true as const } : {}),
    ...(changes.error ? { error: changes.error } : {}),
  };
}

/** The timeline with each claim's try number (its stage counter's value after that claim). */
export function numberAttempts(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  const counts = new Map<string, number>();
  return timeline.map((entry) => {
    if (!CLAIM_RULES[entry.transition]) return { ...entry };
    const attempt = (counts.get(entry.transition) ?? 0) + 1;
    counts.set(entry.transition, attempt);
    return { ...entry, attempt };
  });
}

/** The claims and settlements each stage makes: `to` may only be entered from one of `from`. */
export const TRANSITIONS = {
  claimCollection: { from: ['pending', 'collecting', 'failed'], to: 'collecting' },
  markCollected: { from: ['collecting'], to: 'collected' },
  markSkipped: { from: ['collecting'], to: 'skipped' },
  claimGeneration: { from: ['collected', 'generating', 'failed'], to: 'generating' },
  markCompleted: { from: ['generating'], to: 'completed' },
  markFailed: { from: ['pending', 'collecting', 'collected', 'generating'], to: 'failed' },
} as const satisfies Record<string, { from: readonly EpisodeStatus[]; to: EpisodeStatus }>;

export type TransitionName = keyof typeof TRANSITIONS;

/**
 * Re-entering a claimed state (`collecting → collecting`, `generating → generating`) is allowed only once the lease has
 * expired: that is a redelivery after a crash or timeout, not a duplicate running beside the first.
 * Re-entering from `failed` is an operator's redrive of that stage's message, allowed only for the stage that failed.
 */
export interface ClaimRule {
  reclaimAfterLease: EpisodeStatus;
  /** The stage's own count of tries; `attempts` is set to it as the claim increments it. */
  counter: 'collection_attempts' | 'generation_attempts';
  /** Failed stages this claim may retry; collection also retries episodes that never left the queue. */
  retryFailedStages: readonly FailedStage[];
}
export const CLAIM_RULES: Partial<Record<TransitionName, ClaimRule>> = {
  claimCollection: { reclaimAfterLease: 'collecting', counter: 'collection_attempts', retryFailedStages: ['collecting', 'queued'] },
  claimGeneration: { reclaimAfterLease: 'generating', counter: 'generation_attempts', retryFailedStages: ['generating'] },
};

/** Whether a transition settles the episode, giving back its podcast's in-flight place. */
export function settles(name: TransitionName): boolean {
  return TERMINAL.includes(TRANSITIONS[name].to);
}

/** Fields a claim clears: a retried stage starts clean; its earlier failure stays visible until then. */
export const CLEARED_ON_CLAIM = ['error', 'failed_stage', 'skip_reason'] as const;
/** Fields a settlement (any transition that is not a claim) clears: the lease ends with the claim's work. */
export const CLEARED_ON_SETTLE = ['lease_expires_at'] as const;

/** Pure check of a transition against an episode as read; the store enforces the same rule atomically. */
export function canApply(name: TransitionName, episode: Pick<Episode, 'status' | 'lease_expires_at' | 'failed_stage'>, now: Date): boolean {
  const t = TRANSITIONS[name];
  if (!(t.from as readonly EpisodeStatus[]).includes(episode.status)) return false;
  const rule = CLAIM_RULES[name];
  if (!rule) return true;
  if (episode.status === rule.reclaimAfterLease) {
    return episode.lease_expires_at === undefined || episode.lease_expires_at < now.toISOString();
  }
  if (episode.status === 'failed') {
    return episode.failed_stage !== undefined && rule.retryFailedStages.includes(episode.failed_stage);
  }
  return true;
}

/** The stage to report when an episode in `status` fails. */
export function stageOf(status: EpisodeStatus): FailedStage {
  switch (status) {
    case 'pending':
      return 'queued';
    case 'collecting':
      return 'collecting';
    default:
      return 'generating';
  }
}

/** A new `pending` episode; its id, folder and timestamp all come from its creation time. */
export function newEpisode(podcast: Pick<PodcastConfig, 'podcast_id'>, trigger: Episode['trigger'], createdAt: Date): Episode {
  const episodeId = episodeIdFor(createdAt);
  const iso = createdAt.toISOString();
  return {
    podcast_id: podcast.podcast_id,
    episode_id: episodeId,
    status: 'pending',
    trigger,
    timestamp: iso,
    s3_path: episodePrefix(podcast.podcast_id, episodeId),
    created_at: iso,
    updated_at: iso,
    attempts: 0,
  };
}
