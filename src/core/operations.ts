/**
 * What an operator can do, in one place: the CLI calls these, and so will the admin HTTP API. Each operation
 * validates its input, names what is wrong (ValidationError, NotFoundError, ConflictError) and calls through the
 * ports; printing and transport are the caller's.
 */
import { unreadableChannels, type UnreadableChannel } from './collection/readiness.ts';
import { identifyEpisode, parsePodcastConfig, type PodcastConfig, type Trigger } from './contracts.ts';
import { EPISODE_STATUSES, IN_FLIGHT, type Episode, type EpisodeStatus } from './episodes/status.ts';
import { isDue } from './episodes/schedule.ts';
import { addHours } from './time.ts';
import { triggerEpisode, type TriggerDeps } from './episodes/start-episode.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { ID_PATTERN } from './schemas.ts';
import { collectionRequestFor, processingMessageFor } from './handoff.ts';
import { publishingMissing } from './publishing/feed.ts';
import { feedUrlOf, publishEpisode, regenerateFeed, withdrawEpisode } from './publishing/publish.ts';
import type {
  ChannelExportStore,
  ChannelReaders,
  DeadLetterQueue,
  EpisodeKey,
  InspectedLetter,
  ObjectStore,
  PipelineQueue,
  QueueDepth,
  QueueInspector,
  RedriveResult,
} from './ports.ts';

export const PIPELINE_QUEUES: readonly PipelineQueue[] = ['collection', 'processing'];

export interface NamedQueue {
  name: string;
  url: string;
}

/**
 * Dependencies are read when an operation needs them, not when the operations are created: a composition root may
 * build them lazily (getters), so a command that only reads podcasts needs no queue configuration.
 */
export interface OperationsDeps extends Omit<TriggerDeps, 'collectionQueueUrl'> {
  inspector: QueueInspector;
  channelExports: ChannelExportStore;
  readers: ChannelReaders;
  /** Each pipeline queue and its DLQ. */
  queues: Record<PipelineQueue, { queue: NamedQueue; dlq: NamedQueue }>;
  deadLetters: Record<PipelineQueue, DeadLetterQueue>;
  /** The bucket, for publishing (public copies and the feed). */
  objects: ObjectStore;
  /** PUBLIC_BASE_URL: where public/ is served; empty when publishing is not configured. */
  publicBaseUrl: string;
}

/** A podcast's feed: where it is (when publishing is configured) and what it still needs for a directory. */
export interface FeedStatus {
  podcast_id: string;
  mode: 'manual' | 'auto';
  feed_url?: string;
  /** publishingMissing: `publishing.<field>: why` lines; [] when it can be published. */
  missing: string[];
}

export interface RetryResult {
  /**
   * `dead-letter`: the episode's own letters were moved back from the DLQ; `resent`: its stage's message was sent anew;
   * `new-script`: its letters were discarded and a processing message asking for a new script was sent.
   */
  method: 'dead-letter' | 'resent' | 'new-script';
  /** Dead letters moved (0 when resent or new-script). */
  moved: number;
  /** Dead letters discarded (new-script only). */
  discarded?: number;
  /** The queue the episode's stage reads. */
  queue: PipelineQueue;
}

export interface RetryOptions {
  /** Write a new script (an episode failed at generating only): the stored one is replaced, not spoken again. */
  newScript?: boolean;
}

/** The default and the most `listEpisodes` returns. */
export const EPISODE_LIST_LIMIT = { default: 20, max: 100 } as const;

/** A podcast as the overview shows it: its latest episode and when the schedule starts the next one. */
export interface PodcastSummary {
  podcast: PodcastConfig;
  latest?: Episode;
  /** When the schedule starts the next episode (ISO; now or past: at the next tick); null while disabled or in flight. */
  next_due_at: string | null;
  /** Why it is not due now, when it is not. */
  not_due_reason?: string;
}

/** What `searchEpisodes` filters on; every field optional. */
export interface EpisodeSearch {
  podcast?: string;
  status?: string;
  /** Created at or after (ISO date or time). */
  from?: string;
  /** Created at or before (ISO date or time; a bare date includes that whole day). */
  to?: string;
  /** Part of an episode id. */
  q?: string;
  limit?: number;
}

function validLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > EPISODE_LIST_LIMIT.max) {
    throw new ValidationError('invalid episode list', [`limit must be an integer from 1 to ${EPISODE_LIST_LIMIT.max}, got ${limit}`]);
  }
  return limit;
}

/** An ISO date or time as a time, or a ValidationError naming the field; a bare date `to` covers the whole day. */
function searchTime(field: 'from' | 'to', raw: string): string {
  const bareDate = /^\d{4}-\d{2}-\d{2}$/.test(raw);
  const time = Date.parse(bareDate ? `${raw}T00:00:00.000Z` : raw);
  if (Number.isNaN(time)) throw new ValidationError('invalid episode search', [`${field} must be an ISO date or time, got "${raw}"`]);
  return new Date(bareDate && field === 'to' ? time + 86_400_000 - 1 : time).toISOString();
}

function pipelineQueue(which: string): PipelineQueue {
  if ((PIPELINE_QUEUES as readonly string[]).includes(which)) return which as PipelineQueue;
  throw new ValidationError(`unknown queue "${which}"`, [`expected one of ${PIPELINE_QUEUES.join(', ')}`]);
}

/** Whether a dead letter is a message for this episode (read from its body; a body that is not JSON names none). */
function letterIsFor(key: EpisodeKey): (letter: InspectedLetter) => boolean {
  return (letter) => {
    let body: unknown;
    try {
      body = JSON.parse(letter.body);
    } catch {
      return false;
    }
    const named = identifyEpisode(body);
    return named?.podcastId === key.podcastId && named.episodeId === key.episodeId;
  };
}

/** The operator's operations over `deps`; see {@link OperationsDeps} for when dependencies are read. */
export function createOperations(deps: OperationsDeps) {
  const triggerDeps = (): TriggerDeps => ({
    podcasts: deps.podcasts,
    episodes: deps.episodes,
    queue: deps.queue,
    clock: deps.clock,
    collectionQueueUrl: deps.queues.collection.queue.url,
  });

  async function getPodcastOrFail(podcastId: string): Promise<PodcastConfig> {
    const podcast = await deps.podcasts.get(podcastId);
    if (!podcast) throw new NotFoundError(`unknown podcast "${podcastId}"`);
    return podcast;
  }

  async function getEpisode(podcastId: string, episodeId: string): Promise<Episode> {
    const episode = await deps.episodes.get({ podcastId, episodeId });
    if (!episode) throw new NotFoundError(`unknown episode ${podcastId}/${episodeId}`);
    return episode;
  }

  /** The message that starts `episode`'s failed stage again on `queue`; asking for a new script at `newScriptAt`. */
  function stageMessage(episode: Episode, queue: PipelineQueue, newScriptAt?: Date): unknown {
    const id = `${episode.podcast_id}/${episode.episode_id}`;
    if (queue === 'processing') {
      if (!episode.result) throw new ConflictError(`episode ${id} failed at generating but has no collection result to generate from; start a new episode`, episode.status);
      return processingMessageFor(episode, episode.result, newScriptAt ? { newScriptRequestedAt: newScriptAt } : {});
    }
    if (episode.trigger === 'direct') throw new ConflictError(`episode ${id} was a direct invocation and has no collection stage to retry; invoke podcastfy again`, episode.status);
    return collectionRequestFor(episode, episode.trigger);
  }

  return {
    /**
     * Validates and stores a podcast configuration; a ValidationError names every bad field and nothing is stored. A
     * configuration that names no voice engine keeps the stored podcast's, else gets its language's default.
     */
    async putPodcast(raw: unknown): Promise<PodcastConfig> {
      const stored = namesNoVoiceEngine(raw) ? await deps.podcasts.get(raw.podcast_id) : undefined;
      const config = parsePodcastConfig(raw, { voice_engine: stored?.voice_engine });
      await deps.podcasts.put(config);
      return config;
    },

    getPodcast: getPodcastOrFail,

    /** Where the podcast's feed is and what it still lacks for publishing (`podcast put` warns of the latter). */
    async feedStatus(podcastId: string): Promise<FeedStatus> {
      const podcast = await getPodcastOrFail(podcastId);
      const base = deps.publicBaseUrl.trim();
      return {
        podcast_id: podcast.podcast_id,
        mode: podcast.publishing.mode,
        ...(base ? { feed_url: feedUrlOf(base, podcast.podcast_id) } : {}),
        missing: publishingMissing(podcast),
      };
    },

    /** Publishes a completed episode into its podcast's feed (publishing/publish.ts); returns the updated episode. */
    async publishEpisode(podcastId: string, episodeId: string): Promise<Episode> {
      return publishEpisode(deps, { podcastId, episodeId });
    },

    /** Takes an episode out of its podcast's feed and deletes its public copies. */
    async withdrawEpisode(podcastId: string, episodeId: string): Promise<Episode> {
      return withdrawEpisode(deps, { podcastId, episodeId });
    },

    /** Rebuilds the podcast's feed from its published episodes (after its directory fields changed). */
    async regenerateFeed(podcastId: string): Promise<{ feed_url: string; items: number }> {
      return regenerateFeed(deps, (await getPodcastOrFail(podcastId)).podcast_id);
    },

    /** The podcast's channels that cannot be read yet, with why (the schedule starts no episode for it until they can). */
    async unreadableChannels(podcastId: string): Promise<UnreadableChannel[]> {
      return unreadableChannels(deps.readers, await getPodcastOrFail(podcastId));
    },

    /** Every podcast, and the stored ones whose configuration no longer validates (with the reason). */
    async listPodcasts(): Promise<{ podcasts: PodcastConfig[]; invalid: Array<{ podcast_id: string; error: string }> }> {
      return deps.podcasts.list();
    },

    /**
     * Stores a Telegram Desktop export (streamed) as the channel's source, its shape checked on the way; nothing is
     * stored if it is wrong. `utcOffset`: the exporter's, for an old export dated in its local time.
     */
    async importChannelExport(
      channel: string,
      body: AsyncIterable<Uint8Array>,
      options: { utcOffset?: string } = {},
    ): Promise<{ channel: string; key: string; posts: number; warnings: string[] }> {
      return { channel, ...(await deps.channelExports.put(channel, body, options)) };
    },

    /** Starts an episode now (the schedule's code path); refused while the podcast has one in flight. */
    async startEpisode(podcastId: string, trigger: Trigger = 'manual'): Promise<Episode> {
      return triggerEpisode(triggerDeps(), podcastId, trigger);
    },

    getEpisode,

    /** Newest first; `limit` 1–100 (default 20); `before`: the page after that episode id. */
    async listEpisodes(podcastId: string, options: { limit?: number; before?: string } = {}): Promise<Episode[]> {
      const limit = validLimit(options.limit ?? EPISODE_LIST_LIMIT.default);
      return deps.episodes.listForPodcast(podcastId, { limit, ...(options.before ? { before: options.before } : {}) });
    },

    /** Every podcast with its latest episode and when the schedule is next due to start one (the scheduler's rule). */
    async podcastSummaries(): Promise<{ summaries: PodcastSummary[]; invalid: Array<{ podcast_id: string; error: string }> }> {
      const { podcasts, invalid } = await deps.podcasts.list();
      const now = deps.clock.now();
      const summaries = await Promise.all(
        podcasts.map(async (podcast): Promise<PodcastSummary> => {
          const [latest] = await deps.episodes.listForPodcast(podcast.podcast_id, { limit: 1 });
          const channel = await deps.episodes.latestChannelEpisode(podcast.podcast_id);
          const decision = isDue(podcast, channel, now);
          const waiting = !podcast.enabled || (channel !== undefined && IN_FLIGHT.includes(channel.status));
          const next = waiting ? null : channel ? addHours(new Date(channel.timestamp), podcast.episode_frequency_hours).toISOString() : now.toISOString();
          return { podcast, ...(latest ? { latest } : {}), next_due_at: next, ...(decision.due ? {} : { not_due_reason: decision.reason }) };
        }),
      );
      return { summaries, invalid };
    },

    /**
     * Episodes across podcasts (or one), newest first, filtered by status, creation time and part of the id. Each bad
     * filter is named (ValidationError) and nothing is read.
     */
    async searchEpisodes(search: EpisodeSearch = {}): Promise<Episode[]> {
      const problems: string[] = [];
      const check = <T>(fn: () => T): T | undefined => {
        try {
          return fn();
        } catch (error) {
          problems.push(...((error as ValidationError).violations ?? [String(error)]));
          return undefined;
        }
      };
      if (search.status && !(EPISODE_STATUSES as readonly string[]).includes(search.status)) {
        problems.push(`status must be one of ${EPISODE_STATUSES.join(', ')}, got "${search.status}"`);
      }
      const from = search.from ? check(() => searchTime('from', search.from!)) : undefined;
      const to = search.to ? check(() => searchTime('to', search.to!)) : undefined;
      const limit = check(() => validLimit(search.limit ?? EPISODE_LIST_LIMIT.default));
      if (problems.length) throw new ValidationError('invalid episode search', problems);
      const ids = search.podcast ? [(await getPodcastOrFail(search.podcast)).podcast_id] : (await deps.podcasts.list()).podcasts.map((p) => p.podcast_id);
      const q = search.q?.trim().toLowerCase();
      const found: Episode[] = [];
      for (const id of ids) {
        for (const e of await deps.episodes.listForPodcast(id)) {
          if (search.status && e.status !== (search.status as EpisodeStatus)) continue;
          if (from && e.timestamp < from) continue;
          if (to && e.timestamp > to) continue;
          if (q && !e.episode_id.toLowerCase().includes(q) && !`${e.podcast_id}/${e.episode_id}`.includes(q)) continue;
          found.push(e);
        }
      }
      return found.sort((a, b) => b.timestamp.localeCompare(a.timestamp)).slice(0, limit);
    },

    /** Depth of both queues and both DLQs: collection, its DLQ, processing, its DLQ. */
    async queueStatus(): Promise<QueueDepth[]> {
      const all = PIPELINE_QUEUES.flatMap((q) => [deps.queues[q].queue, deps.queues[q].dlq]);
      return Promise.all(all.map((q) => deps.inspector.depth(q.name, q.url)));
    },

    /** Up to `max` dead letters of a queue with their reasons, left in place. */
    async inspectDeadLetters(which: string, max = 50): Promise<InspectedLetter[]> {
      return deps.deadLetters[pipelineQueue(which)].inspect(max);
    },

    /** Moves every dead letter of a queue back to it. */
    async redriveDeadLetters(which: string): Promise<RedriveResult> {
      return deps.deadLetters[pipelineQueue(which)].redriveAll();
    },

    /**
     * Retries a failed episode's failed stage: moves that episode's own dead letters (and no others) back from the
     * DLQ of the stage it failed in; when the DLQ no longer holds one, sends that stage's message anew. The status
     * machine lets the stage claim the episode again from `failed`. Anything but a failed episode is refused
     * (ConflictError) with nothing changed; a completed episode is never regenerated.
     *
     * `newScript` (an episode failed at generating only; others are refused): the episode's own processing dead
     * letters are discarded, so none is left to be redriven later beside it, and the processing message is sent anew
     * with `new_script` asking, as of now, for a new script: the generator replaces the stored `script.json` once
     * (a redelivery of that message speaks the new one) and speaks it.
     */
    async redriveEpisode(podcastId: string, episodeId: string, options: RetryOptions = {}): Promise<RetryResult> {
      const episode = await getEpisode(podcastId, episodeId);
      const id = `${podcastId}/${episodeId}`;
      if (episode.status !== 'failed') {
        const never = episode.status === 'completed' ? '; a completed episode is never regenerated' : '';
        throw new ConflictError(`episode ${id} is ${episode.status}, not failed: only a failed episode can be retried${never}`, episode.status);
      }
      if (!episode.failed_stage) throw new ConflictError(`episode ${id} failed but records no failed stage to retry`, episode.status);
      if (options.newScript) {
        if (episode.failed_stage !== 'generating') {
          throw new ConflictError(
            `episode ${id} failed at ${episode.failed_stage}, not generating: it has no script yet, so there is none to write anew; retry it without a new script`,
            episode.status,
          );
        }
        const message = stageMessage(episode, 'processing', deps.clock.now());
        const discarded = await deps.deadLetters.processing.discardMatching(letterIsFor({ podcastId, episodeId }));
        await deps.queue.send(deps.queues.processing.queue.url, message, { podcast_id: podcastId, episode_id: episodeId });
        return { method: 'new-script', moved: 0, discarded, queue: 'processing' };
      }
      const queue: PipelineQueue = episode.failed_stage === 'generating' ? 'processing' : 'collection';
      const moved = await deps.deadLetters[queue].redriveMatching(letterIsFor({ podcastId, episodeId }));
      if (moved > 0) return { method: 'dead-letter', moved, queue };
      const message = stageMessage(episode, queue);
      await deps.queue.send(deps.queues[queue].queue.url, message, { podcast_id: podcastId, episode_id: episodeId });
      return { method: 'resent', moved: 0, queue };
    },
  };
}

export type Operations = ReturnType<typeof createOperations>;

/** Whether `raw` is a configuration of a (valid-looking) podcast id that leaves its voice engine out. */
function namesNoVoiceEngine(raw: unknown): raw is { podcast_id: string } {
  if (raw === null || typeof raw !== 'object') return false;
  const { podcast_id: id, voice_engine: engine } = raw as Record<string, unknown>;
  return engine === undefined && typeof id === 'string' && new RegExp(ID_PATTERN).test(id);
}
