/**
 * The SQS consumer shared by the telegram and podcastfy handlers: Powertools BatchProcessor +
 * processPartialResponse with ReportBatchItemFailures, so one failed record is retried and the rest of its batch is not
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 *
 * Failure policy (docs/architecture.md "Failure semantics"):
 * - retryable errors throw: the record is reported failed and SQS redelivers it after the visibility timeout; the
 *   episode keeps the error as `last_error`, and on the last allowed receive it is marked `failed` because SQS's
 *   redrive will move the message to the DLQ next;
 * - permanent errors (bad JSON, schema violations, unknown podcast, missing content) mark the episode `failed` with the
 *   reason and stage, and the record goes straight to the DLQ with the reason in its attributes: no retry storm.
 *
 * Metrics (metrics.ts): each record's transitions are counted as they are applied, a record that settled its stage adds
 * the stage's duration, a dead-lettered one DeadLettered with its reason class; one EMF flush per record.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { identifyEpisode } from '../../core/contracts.ts';
import { messageBelongsTo } from '../../core/handoff.ts';
import type { FailedStage } from '../../core/episodes/status.ts';
import { ConflictError, NotReadyError, RetryLaterError, errorMessage, isRetryable } from '../../core/errors.ts';
import type { Clock, EpisodeKey, EpisodeRepository, QueueSender } from '../../core/ports.ts';
import { MessageTooLargeError, queueNameOf, sendToDeadLetterQueue } from '../../adapters/sqs-queue.ts';
import type { Logger } from './logger.ts';
import { deadLetterReason, metricsBatch, observingTransitions, recordColdStart, type MetricsBatch } from './metrics.ts';

export interface ConsumerOptions {
  stage: FailedStage;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  /** The queues' maximum message size (SQS's default when absent): a DLQ copy is cut to fit it. */
  maxMessageBytes?: number;
  episodes: EpisodeRepository;
  queue: QueueSender;
  clock: Clock;
  logger: Logger;
  /**
   * Does the work for one record; throws TelecastErrors (or anything, treated as transient). `episodes` is the
   * repository with the record's message id on every transition it applies (the episode's timeline names it), each
   * transition counted into `metrics`, where the handler adds what only it knows.
   */
  process(record: SQSRecord, log: Logger, context: Context, episodes: EpisodeRepository, metrics: MetricsBatch): Promise<void>;
}

/** `episodes`, with `messageId` written into the timeline entry of every transition applied through it. */
export function recordingMessageId(episodes: EpisodeRepository, messageId: string): EpisodeRepository {
  return new Proxy(episodes, {
    get(target, property) {
      if (property === 'apply') {
        return ((name, key, changes, now, guard) => target.apply(name, key, { ...changes, message_id: messageId }, now, guard)) satisfies EpisodeRepository['apply'];
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The episode a record names (for logs and failure marking) and its parsed body; undefined when it names none. */
function episodeOf(record: SQSRecord): { key: EpisodeKey; body: unknown } | undefined {
  try {
    const body: unknown = JSON.parse(record.body);
    const id = identifyEpisode(body);
    return id && { key: { podcastId: id.podcastId, episodeId: id.episodeId }, body };
  } catch {
    return undefined;
  }
}

function receiveCountOf(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount ?? '1');
}

export function createSqsConsumer(options: ConsumerOptions) {
  const { logger } = options;

  /** Marks the episode failed, but only when the message proves to be about it (handoff.ts messageBelongsTo). */
  async function markFailed(
    episodes: EpisodeRepository,
    named: { key: EpisodeKey; body: unknown },
    reason: string,
    log: Logger,
    messageId: string,
  ): Promise<void> {
    const { key } = named;
    const episode = await episodes.get(key);
    if (!episode) return void log.info('episode not marked failed: it does not exist');
    if (!messageBelongsTo(named.body, episode)) {
      return void log.warn('episode not marked failed: the message does not match its record (podcast, creation time, folder)');
    }
    try {
      await episodes.apply('markFailed', key, { error: reason, failed_stage: options.stage, message_id: messageId }, options.clock.now());
    } catch (error) {
      // Already settled (completed, skipped, failed) or unknown: nothing to mark; the DLQ still has the message.
      if (error instanceof ConflictError || (error as Error)?.name === 'NotFoundError') {
        log.info('episode not marked failed', { reason: errorMessage(error) });
        return;
      }
      throw error;
    }
  }

  async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
    const named = episodeOf(record);
    const key = named?.key;
    const receiveCount = receiveCountOf(record);
    const log = logger.createChild({
      persistentKeys: {
        message_id: record.messageId,
        receive_count: receiveCount,
        ...(key ? { podcast_id: key.podcastId, episode_id: key.episodeId } : {}),
      },
    });
    const metrics = metricsBatch().describe({ message_id: record.messageId });
    const episodes = observingTransitions(recordingMessageId(options.episodes, record.messageId), metrics);
    const stage = { stage: options.stage };
    const started = performance.now();
    try {
      await processRecord(record, log, context, episodes, metrics, started);
    } catch (error) {
      const reason = errorMessage(error);
      if (!isRetryable(error)) {
        log.error('permanent failure: dead-lettering the message', { error: reason, stage: options.stage });
        // Counted once the message is in the DLQ: a failed copy comes back and is handled (and counted) again.
        const deadLettered = () => metrics.add('DeadLettered', 1, { ...stage, reason: deadLetterReason(error, false) });
        if (named) await markFailed(episodes, named, reason, log, record.messageId);
        const letter = {
          body: record.body,
          messageId: record.messageId,
          sourceQueue: queueNameOf(record.eventSourceARN),
          receiveCount,
          reason,
          errorName: (error as Error)?.name ?? 'Error',
          stage: options.stage,
        };
        try {
          await sendToDeadLetterQueue(options.queue, options.deadLetterQueueUrl, letter, options.maxMessageBytes);
        } catch (copyError) {
          if (!(copyError instanceof MessageTooLargeError)) throw copyError;
          // The body is too close to SQS's limit to carry a reason: SQS's own redrive moves it, after its remaining
          // receives, which we make come at once instead of after each visibility timeout. The reason stays on the
          // episode (marked above).
          log.warn('dead letter too large to copy with its reason: leaving it to SQS redrive', { bytes: Buffer.byteLength(record.body) });
          await options.queue.returnNow(record.eventSourceARN, record.receiptHandle);
          // Every remaining receive comes through here; only the last one's failure hands it to the DLQ.
          if (receiveCount >= options.maxReceiveCount) deadLettered();
          throw copyError;
        }
        deadLettered();
        return; // acknowledged here: the DLQ now holds it with its reason
      }
      const last = receiveCount >= options.maxReceiveCount;
      if (error instanceof RetryLaterError && !last) {
        // The source set the wait: the next receive comes after it, not after the visibility timeout.
        const until = new Date(options.clock.now().getTime() + error.seconds * 1000).toISOString();
        log.warn('the source asked to wait: retrying after the wait', { error: reason, stage: options.stage, wait_seconds: error.seconds });
        if (named) await options.episodes.noteError(named.key, `${reason} (waiting ${error.seconds} s, retried after ${until})`);
        await options.queue.retryAfter(record.eventSourceARN, record.receiptHandle, error.seconds);
        throw error;
      }
      log.warn(last ? 'transient failure on the last receive: SQS moves it to the DLQ' : 'transient failure: will retry', {
        error: reason,
        stage: options.stage,
      });
      if (last) metrics.add('DeadLettered', 1, { ...stage, reason: deadLetterReason(error, true) });
      if (named) {
        if (last) await markFailed(episodes, named, `${reason} (gave up after ${receiveCount} receives)`, log, record.messageId);
        else await options.episodes.noteError(named.key, reason);
      }
      throw error;
    } finally {
      metrics.publish();
    }
  }

  /** The handler's work, and the stage's duration when it settled the stage (collected, skipped or completed). */
  async function processRecord(record: SQSRecord, log: Logger, context: Context, episodes: EpisodeRepository, metrics: MetricsBatch, started: number) {
    await options.process(record, log, context, episodes, metrics);
    if (metrics.has('EpisodesCollected') || metrics.has('EpisodesSkipped') || metrics.has('EpisodesCompleted')) {
      metrics.add('StageDuration', performance.now() - started, { stage: options.stage });
    }
  }

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    recordColdStart(context?.functionName);
    const processor = new BatchProcessor(EventType.SQS);
    // Records run one after another. If the invocation timed out midway, Lambda would return the whole batch to the
    // queue: the records already done would be redelivered, and the one cut off would be left half-claimed until its
    // lease ran out. So a record is not started when less time is left than the slowest one so far took (plus a margin):
    // it is reported failed untouched and comes back after the visibility timeout. That spends its receive like any
    // reported failure (deferring saves the batch, not the receive), so on its last receive, when a deferral would
    // hand it to SQS's redrive without its episode ever being tried or marked, it is processed anyway: the estimate
    // comes from other records and it may well fit; if it does not, the invocation times out, SQS dead-letters the
    // message and the scheduler's stuck sweep fails its episode, where a deferral would have left it too.
    let slowestMs = 0;
    const startOrDefer = async (record: SQSRecord): Promise<void> => {
      const left = context?.getRemainingTimeInMillis?.();
      if (typeof left === 'number' && slowestMs > 0 && left < slowestMs * 1.5 + 2_000) {
        const receiveCount = receiveCountOf(record);
        const fields = { message_id: record.messageId, receive_count: receiveCount, left_ms: left, slowest_ms: slowestMs };
        if (receiveCount < options.maxReceiveCount) {
          logger.warn('record deferred: too little time left in this invocation', fields);
          throw new NotReadyError(`deferred: ${left} ms left, the slowest record took ${slowestMs} ms`);
        }
        logger.warn('little time left, but this is the record\'s last receive: processing it anyway', fields);
      }
      // Measured on the invocation's own clock (its remaining time) when there is one.
      const clock = (): number => (typeof left === 'number' ? -(context.getRemainingTimeInMillis() ?? 0) : Date.now());
      const started = clock();
      try {
        await handleRecord(record, context);
      } finally {
        slowestMs = Math.max(slowestMs, clock() - started);
      }
    };
    // Sequential: records of one batch share the function's memory and /tmp, and logs stay readable.
    return processPartialResponse(event, startOrDefer, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}
