/**
 * telegram Lambda: consumes the collection queue; collects the channels' new posts into content.json and hands the
 * episode to the processing queue (or marks it skipped when there is nothing new).
 */
import type { SQSEvent, Context, SQSBatchResponse } from 'aws-lambda';
import { parseCollectionRequest, parseJsonBody } from '../core/contracts.ts';
import { collectEpisode, type CollectorDeps } from '../core/collection/collect-episode.ts';
import { readFunctionConfig } from '../core/config.ts';
import { TelegramExportReader } from '../adapters/telegram-export-reader.ts';
import { logger, type Logger } from './common/logger.ts';
import { createRuntime } from './common/bucket-runtime.ts';
import { leaseSeconds } from './common/runtime.ts';
import { createSqsConsumer } from './common/sqs-consumer.ts';

export interface TelegramDeps extends CollectorDeps {
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  logger: Logger;
}

export function createHandler(deps: TelegramDeps): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return createSqsConsumer({
    ...deps,
    stage: 'collecting',
    async process(record, log, context, episodes) {
      const request = parseCollectionRequest(parseJsonBody(record.body));
      const result = await collectEpisode({ ...deps, episodes }, request, leaseSeconds(context));
      if (result.outcome === 'collected') {
        log.info('episode collected', { message_count: result.messageCount, dropped: result.dropped, trigger: request.trigger });
      } else if (result.outcome === 'skipped') {
        log.info('episode skipped', { reason: result.reason });
      } else {
        log.info('episode already past collection', { status: result.episode.status });
      }
    },
  });
}

/** The default dependencies, from the function's environment; the bundle's entry (build.mjs) calls it once per cold start. */
export function dependenciesFromEnvironment(env: Record<string, string | undefined>): TelegramDeps {
  const config = readFunctionConfig('telegram', env);
  const runtime = createRuntime(env, { tableName: config.TABLE_NAME, bucketName: config.BUCKET_NAME });
  return {
    ...runtime,
    reader: new TelegramExportReader(runtime.objects),
    processingQueueUrl: config.PROCESSING_QUEUE_URL,
    deadLetterQueueUrl: config.COLLECTION_DLQ_URL,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    logger,
  };
}
