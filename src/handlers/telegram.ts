/**
 * telegram Lambda: consumes the collection queue; collects the channels' new posts into content.json and hands the
 * episode to the processing queue (or marks it skipped when there is nothing new).
 */
import type { SQSEvent, Context, SQSBatchResponse } from 'aws-lambda';
import { parseCollectionRequest, parseJsonBody } from '../core/contracts.ts';
import { collectEpisode, type CollectorDeps } from '../core/collection/collect-episode.ts';
import { readConfig } from '../core/config.ts';
import { TelegramExportReader } from '../adapters/telegram-export-reader.ts';
import { logger, type Logger } from './common/logger.ts';
import { createRuntime, leaseSeconds } from './common/runtime.ts';
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
    async process(record, log, context) {
      const request = parseCollectionRequest(parseJsonBody(record.body));
      const result = await collectEpisode(deps, request, leaseSeconds(context));
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

function fromEnvironment(): TelegramDeps {
  const config = readConfig(process.env, ['TABLE_NAME', 'BUCKET_NAME', 'PROCESSING_QUEUE_URL', 'COLLECTION_DLQ_URL', 'MAX_RECEIVE_COUNT']);
  const runtime = createRuntime(process.env, { tableName: config.TABLE_NAME, bucketName: config.BUCKET_NAME });
  return {
    ...runtime,
    reader: new TelegramExportReader(runtime.objects),
    processingQueueUrl: config.PROCESSING_QUEUE_URL,
    deadLetterQueueUrl: config.COLLECTION_DLQ_URL,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    logger,
  };
}

// Built once per cold start: configuration errors fail the init, naming every bad key.
export const handler = createHandler(fromEnvironment());
