/**
 * scheduler Lambda: invoked by EventBridge Scheduler. Logs the queues' and DLQs' depths as structured fields, fails
 * episodes stuck past STUCK_AFTER_MINUTES, and starts an episode for every due podcast.
 */
import { readFunctionConfig } from '../core/config.ts';
import { runSchedule, type ScheduleDeps, type ScheduleReport } from '../core/episodes/schedule.ts';
import { TelecastError } from '../core/errors.ts';
import { logger, type Logger } from './common/logger.ts';
import { metricsBatch, observingTransitions, recordColdStart } from './common/metrics.ts';
import { createStateRuntime } from './common/runtime.ts';
import { queueNameOf } from '../adapters/sqs-queue.ts';
import { createS3Client, usesCustomS3Endpoint } from '../adapters/aws-clients.ts';
import { createChannelReaders } from '../adapters/channel-readers.ts';
import { S3ObjectStore } from '../adapters/s3-object-store.ts';

export interface SchedulerDeps extends ScheduleDeps {
  logger: Logger;
}

/**
 * Raised after a tick that did all it could but had errors. EventBridge Scheduler invokes the function asynchronously,
 * so Lambda's own async retries run the tick again (safe: triggering refuses a second episode in flight) and the
 * function's Errors alarm tells the operator.
 */
export class ScheduleTickError extends TelecastError {
  override name = 'ScheduleTickError';
  constructor(readonly report: ScheduleReport) {
    super(`scheduler tick had ${report.errors.length} error(s): ${report.errors.map((e) => `${e.step}${e.podcast_id ? ` (${e.podcast_id})` : ''}: ${e.error}`).join('; ')}`, {
      retryable: true,
    });
  }
}

export function createHandler(deps: SchedulerDeps) {
  return async (_event: unknown, context?: { functionName?: string }): Promise<ScheduleReport> => {
    recordColdStart(context?.functionName);
    // Stuck episodes the sweep fails are counted as EpisodesFailed at their stage, like any other failure.
    const metrics = metricsBatch();
    const report = await runSchedule({ ...deps, episodes: observingTransitions(deps.episodes, metrics, false) });
    // The stalled-pipeline gauges, every tick; when they could not be read, none: the alarm treats missing as breaching.
    if (!report.errors.some((e) => e.step === 'newest completed episode')) {
      metrics.add('HoursSinceCompletion', report.completion.hours_since).add('CompletionExpectedHours', report.completion.expected_hours);
    }
    metrics.publish();
    for (const d of report.depths) {
      deps.logger.info('queue depth', { queue: d.queue, visible: d.visible, in_flight: d.inFlight, delayed: d.delayed });
    }
    for (const s of report.stuck) deps.logger.warn('episode stuck: marked failed', { ...s });
    for (const u of report.unreadable) {
      deps.logger.warn('podcast due but not started: a channel cannot be read yet', { podcast_id: u.podcast_id, channels: u.channels });
    }
    deps.logger.info('scheduler tick', {
      triggered: report.triggered.length,
      not_due: report.notDue.length,
      unreadable: report.unreadable.length,
      stuck: report.stuck.length,
      errors: report.errors.length,
      dlq_messages: report.depths.filter((d) => d.queue.endsWith('dlq')).reduce((n, d) => n + d.visible, 0),
      hours_since_completion: report.completion.hours_since,
      completion_expected_hours: report.completion.expected_hours,
    });
    if (report.errors.length) throw new ScheduleTickError(report);
    return report;
  };
}

/** The default dependencies, from the function's environment; the bundle's entry (build.mjs) calls it once per cold start. */
export function dependenciesFromEnvironment(env: Record<string, string | undefined>): SchedulerDeps {
  const config = readFunctionConfig('scheduler', env);
  const runtime = createStateRuntime(config.TABLE_NAME);
  return {
    ...runtime,
    // Whether each due podcast's channels can be read: an export in the bucket, a session stored, a preview there.
    readers: createChannelReaders({
      objects: new S3ObjectStore(createS3Client({ forcePathStyle: usesCustomS3Endpoint(env) }), config.BUCKET_NAME),
      webUrl: config.TELEGRAM_WEB_URL,
      sessionSecretId: config.TELEGRAM_SESSION_SECRET_ID,
    }),
    collectionQueueUrl: config.COLLECTION_QUEUE_URL,
    queues: [config.COLLECTION_QUEUE_URL, config.COLLECTION_DLQ_URL, config.PROCESSING_QUEUE_URL, config.PROCESSING_DLQ_URL].map((url) => ({
      name: queueNameOf(url),
      url,
    })),
    stuckAfterMinutes: config.STUCK_AFTER_MINUTES,
    stalledMarginHours: config.STALLED_MARGIN_HOURS,
    logger,
  };
}
