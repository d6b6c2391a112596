/**
 * telegram Lambda: consumes the collection queue; collects the channels' new posts into content.json and hands the
 * episode to the processing queue (or marks it skipped when there is nothing new).
 */
import type { SQSEvent, Context, SQSBatchResponse } from 'aws-lambda';
import { parseCollectionRequest, parseJsonBody } from '../core/contracts.ts';
import { collectEpisode, type CollectorDeps } from '../core/collection/collect-episode.ts';
import { readFunctionConfig } from '../core/config.ts';
import { createChannelReaders, type ChannelReaderRegistry } from '../adapters/channel-readers.ts';
import { logger, type Logger } from './common/logger.ts';
import { createRuntime } from './common/bucket-runtime.ts';
import { leaseSeconds } from './common/runtime.ts';
import { createSqsConsumer } from './common/sqs-consumer.ts';

export interface TelegramDeps extends CollectorDeps {
  /** Closed after every invocation: a frozen environment must hold no session connection (AUTH_KEY_DUPLICATED). */
  readers: CollectorDeps['readers'] & Partial<Pick<ChannelReaderRegistry, 'close'>>;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  logger: Logger;
}

export function createHandler(deps: TelegramDeps): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const consume = createSqsConsumer({
    ...deps,
    stage: 'collecting',
    async process(record, log, context, episodes, metrics) {
      const request = parseCollectionRequest(parseJsonBody(record.body));
      const result = await collectEpisode({ ...deps, episodes }, request, leaseSeconds(context));
      if (result.outcome !== 'already-done') {
        const stage = { stage: 'collecting' };
        metrics.add('PostsRead', sum(result.stats, 'read'), stage).add('PostsKept', sum(result.stats, 'kept'), stage);
      }
      if (result.outcome === 'collected') {
        log.info('episode collected', { message_count: result.messageCount, dropped: result.dropped, channels: result.stats, trigger: request.trigger });
        if (result.mediaFailures.length) log.warn('media not stored', { failures: result.mediaFailures.slice(0, 20), count: result.mediaFailures.length });
      } else if (result.outcome === 'skipped') {
        log.info('episode skipped', { reason: result.reason, channels: result.stats });
      } else {
        log.info('episode already past collection', { status: result.episode.status });
      }
    },
  });
  return async (event, context) => {
    try {
      return await consume(event, context);
    } finally {
      await deps.readers.close?.();
    }
  };
}

function sum(stats: Array<{ read: number; kept: number }>, field: 'read' | 'kept'): number {
  return stats.reduce((n, s) => n + s[field], 0);
}

/** The default dependencies, from the function's environment; the bundle's entry (build.mjs) calls it once per cold start. */
export function dependenciesFromEnvironment(env: Record<string, string | undefined>): TelegramDeps {
  const config = readFunctionConfig('telegram', env);
  const runtime = createRuntime(env, { tableName: config.TABLE_NAME, bucketName: config.BUCKET_NAME });
  return {
    ...runtime,
    readers: createChannelReaders({
      objects: runtime.objects,
      webUrl: config.TELEGRAM_WEB_URL,
      sessionSecretId: config.TELEGRAM_SESSION_SECRET_ID,
      // Loaded when a channel first needs it: GramJS is most of this bundle, and most collections never touch it.
      sessionReader: async (store) => {
        const { TelegramMtprotoReader, gramjsClient } = await import('../adapters/telegram-mtproto-reader.ts');
        return new TelegramMtprotoReader(store, gramjsClient);
      },
    }),
    processingQueueUrl: config.PROCESSING_QUEUE_URL,
    deadLetterQueueUrl: config.COLLECTION_DLQ_URL,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    logger,
  };
}
