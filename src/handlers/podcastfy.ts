/**
 * podcastfy Lambda: consumes the processing queue (Powertools batch, partial failures) and also answers direct
 * invocations `{ podcast_id, text }`. Writes the two-host script, synthesises it, stores MP3 + transcripts.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseDirectGenerationRequest, parseJsonBody, parseProcessingMessage } from '../core/contracts.ts';
import { readFunctionConfig } from '../core/config.ts';
import { generateFromText } from '../core/generation/direct-episode.ts';
import type { Episode } from '../core/episodes/status.ts';
import { errorMessage } from '../core/errors.ts';
import { generateEpisode, type GeneratorDeps } from '../core/generation/generate-episode.ts';
import type { QueueSender } from '../core/ports.ts';
import { createSecretReader } from '../adapters/engine-secrets.ts';
import { createEngineRegistry, engineFactories } from '../adapters/engines.ts';
import { Mp3AudioStore } from '../adapters/mp3-audio-store.ts';
import { logger, type Logger } from './common/logger.ts';
import { createRuntime } from './common/bucket-runtime.ts';
import { leaseSeconds } from './common/runtime.ts';
import { metricsBatch, observingTransitions, recordColdStart, type MetricsBatch } from './common/metrics.ts';
import { createSqsConsumer } from './common/sqs-consumer.ts';
import { publishIfAutomatic } from '../core/publishing/publish.ts';

export interface PodcastfyDeps extends GeneratorDeps {
  queue: QueueSender;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  logger: Logger;
  /** PUBLIC_BASE_URL: where published episodes are served ('' : publishing off). */
  publicBaseUrl?: string;
}

export type DirectResult = Pick<Episode, 'podcast_id' | 'episode_id' | 'status' | 'duration_seconds' | 'audio_key' | 'transcript_key' | 'vtt_key' | 's3_path'>;

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as SQSEvent)?.Records;
  return Array.isArray(records) && records.every((r) => r?.eventSource === 'aws:sqs');
}

export function createHandler(deps: PodcastfyDeps) {
  const consume = createSqsConsumer({
    ...deps,
    stage: 'generating',
    async process(record, log, context, episodes, metrics) {
      const message = parseProcessingMessage(parseJsonBody(record.body));
      const result = await countingSpeech(metrics, (onSpeechSent) => generateEpisode({ ...deps, episodes, onSpeechSent }, message, leaseSeconds(context)));
      if (result.outcome === 'completed') {
        log.info('episode completed', { duration_seconds: result.episode.duration_seconds, audio_key: result.episode.audio_key });
        await publishCompleted(result.episode, log);
      } else {
        log.info(`nothing to do: episode is ${result.episode.status}`, { outcome: result.outcome });
      }
    },
  });

  /**
   * A podcast that publishes automatically gets its completed episode into the feed. The episode stays completed if
   * that fails (the record is not retried for it): the warning says why, and `episode publish` or the admin page's
   * Publish does it once the cause is fixed.
   */
  async function publishCompleted(episode: Episode, log: Logger): Promise<void> {
    try {
      const outcome = await publishIfAutomatic({ ...deps, publicBaseUrl: deps.publicBaseUrl ?? '' }, episode);
      if (outcome === 'published') log.info('episode published', { feed: episode.podcast_id });
      else if (outcome !== 'manual') log.warn(`episode not published automatically: ${outcome === 'not-configured' ? 'PUBLIC_BASE_URL is not set' : 'the podcast lacks what directories require (podcast feed <id> says what)'}`);
    } catch (error) {
      log.warn('episode completed but not published', { error: errorMessage(error) });
    }
  }

  async function direct(event: unknown, context: Context): Promise<DirectResult> {
    const request = parseDirectGenerationRequest(event);
    const log = deps.logger.createChild({ persistentKeys: { podcast_id: request.podcast_id, invocation: 'direct' } });
    // A direct episode walks the same status machine: its start, completion or failure counts like a queued one's.
    const metrics = metricsBatch().describe({ invocation: 'direct' });
    const episodes = observingTransitions(deps.episodes, metrics);
    try {
      const e = await countingSpeech(metrics, (onSpeechSent) => generateFromText({ ...deps, episodes, onSpeechSent }, request, leaseSeconds(context)));
      log.info('direct episode completed', { episode_id: e.episode_id, duration_seconds: e.duration_seconds });
      return {
        podcast_id: e.podcast_id,
        episode_id: e.episode_id,
        status: e.status,
        s3_path: e.s3_path,
        duration_seconds: e.duration_seconds,
        audio_key: e.audio_key,
        transcript_key: e.transcript_key,
        vtt_key: e.vtt_key,
      };
    } catch (error) {
      log.error('direct generation failed', { error: errorMessage(error) });
      throw error;
    } finally {
      metrics.publish();
    }
  }

  return async (event: SQSEvent | unknown, context: Context): Promise<SQSBatchResponse | DirectResult> => {
    // Here, not only in the consumer: a first invocation may be a direct one.
    recordColdStart(context?.functionName);
    return isSqsEvent(event) ? consume(event, context) : direct(event, context);
  };
}

/** Runs one generation attempt, adding the characters it sent to the voice engine (paid for, completed or not). */
async function countingSpeech<T>(metrics: MetricsBatch, attempt: (onSpeechSent: (turn: { characters: number }) => void) => Promise<T>): Promise<T> {
  let characters = 0;
  try {
    return await attempt((turn) => void (characters += turn.characters));
  } finally {
    if (characters) metrics.add('TtsCharacters', characters, { stage: 'generating' });
  }
}

/** The default dependencies, from the function's environment; the bundle's entry (build.mjs) calls it once per cold start. */
export function dependenciesFromEnvironment(env: Record<string, string | undefined>): PodcastfyDeps {
  const config = readFunctionConfig('podcastfy', env);
  const runtime = createRuntime(env, { tableName: config.TABLE_NAME, bucketName: config.BUCKET_NAME });
  return {
    ...runtime,
    engines: createEngineRegistry(engineFactories({ config, secrets: createSecretReader() })),
    audio: new Mp3AudioStore(runtime.objects),
    deadLetterQueueUrl: config.PROCESSING_DLQ_URL,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    logger,
    publicBaseUrl: config.PUBLIC_BASE_URL,
  };
}
