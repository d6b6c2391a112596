/**
 * What an operator can do, in one place: the CLI calls these, and so will the admin HTTP API. Each operation
 * validates its input, names what is wrong (ValidationError, NotFoundError, ConflictError) and calls through the
 * ports; printing and transport are the caller's.
 */
import { identifyEpisode, parsePodcastConfig, type PodcastConfig, type Trigger } from './contracts.ts';
import type { Episode } from './episodes/status.ts';
import { triggerEpisode, type TriggerDeps } from './episodes/start-episode.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { collectionRequestFor, processingMessageFor } from './handoff.ts';
import type {
  ChannelExportStore,
  DeadLetterQueue,
  EpisodeKey,
  InspectedLetter,
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
  /** Each pipeline queue and its DLQ. */
  queues: Record<PipelineQueue, { queue: NamedQueue; dlq: NamedQueue }>;
  deadLetters: Record<PipelineQueue, DeadLetterQueue>;
}

export interface RetryResult {
  /** `dead-letter`: the episode's own letters were moved back from the DLQ; `resent`: its stage's message was sent anew. */
  method: 'dead-letter' | 'resent';
  /** Dead letters moved (0 when resent). */
  moved: number;
  /** The queue the episode's stage reads. */
  queue: PipelineQueue;
}

/** The default and the most `listEpisodes` returns. */
export const EPISODE_LIST_LIMIT = { default: 20, max: 100 } as const;

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

  async function getEpisode(podcastId: string, episodeId: string): Promise<Episode> {
    const episode = await deps.episodes.get({ podcastId, episodeId });
    if (!episode) throw new NotFoundError(`unknown episode ${podcastId}/${episodeId}`);
    return episode;
  }

  /** The message that starts `episode`'s failed stage again on `queue`. */
  function stageMessage(episode: Episode, queue: PipelineQueue): unknown {
    const id = `${episode.podcast_id}/${episode.episode_id}`;
    if (queue === 'processing') {
      if (!episode.result) throw new ConflictError(`episode ${id} failed at generating but has no collection result to generate from; start a new episode`, episode.status);
      return processingMessageFor(episode, episode.result);
    }
    if (episode.trigger === 'direct') throw new ConflictError(`episode ${id} was a direct invocation and has no collection stage to retry; invoke podcastfy again`, episode.status);
    return collectionRequestFor(episode, episode.trigger);
  }

  return {
    /** Validates and stores a podcast configuration; a ValidationError names every bad field and nothing is stored. */
    async putPodcast(raw: unknown): Promise<PodcastConfig> {
      const config = parsePodcastConfig(raw);
      await deps.podcasts.put(config);
      return config;
    },

    async getPodcast(podcastId: string): Promise<PodcastConfig> {
      const podcast = await deps.podcasts.get(podcastId);
      if (!podcast) throw new NotFoundError(`unknown podcast "${podcastId}"`);
      return podcast;
    },

    /** Every podcast, and the stored ones whose configuration no longer validates (with the reason). */
    async listPodcasts(): Promise<{ podcasts: PodcastConfig[]; invalid: Array<{ podcast_id: string; error: string }> }> {
      return deps.podcasts.list();
    },

    /** Stores a Telegram Desktop export as the channel's source (its shape checked first; nothing stored if wrong). */
    async importChannelExport(channel: string, data: unknown): Promise<{ channel: string; key: string; posts: number }> {
      return { channel, ...(await deps.channelExports.put(channel, data)) };
    },

    /** Starts an episode now (the schedule's code path); refused while the podcast has one in flight. */
    async startEpisode(podcastId: string, trigger: Trigger = 'manual'): Promise<Episode> {
      return triggerEpisode(triggerDeps(), podcastId, trigger);
    },

    getEpisode,

    /** Newest first; `limit` 1–100 (default 20). */
    async listEpisodes(podcastId: string, options: { limit?: number } = {}): Promise<Episode[]> {
      const limit = options.limit ?? EPISODE_LIST_LIMIT.default;
      if (!Number.isInteger(limit) || limit < 1 || limit > EPISODE_LIST_LIMIT.max) {
        throw new ValidationError('invalid episode list', [`limit must be an integer from 1 to ${EPISODE_LIST_LIMIT.max}, got ${limit}`]);
      }
      return deps.episodes.listForPodcast(podcastId, { limit });
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
     * (ConflictError) with nothing changed.
     */
    async redriveEpisode(podcastId: string, episodeId: string): Promise<RetryResult> {
      const episode = await getEpisode(podcastId, episodeId);
      const id = `${podcastId}/${episodeId}`;
      if (episode.status !== 'failed') {
        throw new ConflictError(`episode ${id} is ${episode.status}, not failed: only a failed episode can be retried`, episode.status);
      }
      if (!episode.failed_stage) throw new ConflictError(`episode ${id} failed but records no failed stage to retry`, episode.status);
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
