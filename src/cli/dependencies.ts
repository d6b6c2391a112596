/**
 * The CLI's composition root: the operations' dependencies over AWS (or the local stack), from the environment.
 * Each setting is read on first use, so a command needs only the variables of what it touches (`podcast list` needs
 * no queue URLs).
 */
import { lazy, operationsDependencies } from '../adapters/operations-dependencies.ts';
import { readConfig } from '../core/config.ts';
import type { OperationsDeps } from '../core/operations.ts';

export function dependenciesFromEnv(env: Record<string, string | undefined>): OperationsDeps {
  const settings = lazy({
    table: () => readConfig(env, ['TABLE_NAME']).TABLE_NAME,
    bucket: () => readConfig(env, ['BUCKET_NAME']).BUCKET_NAME,
    // All four URLs at once, so a missing one is named together with the others.
    queueUrls: () => {
      const c = readConfig(env, ['COLLECTION_QUEUE_URL', 'COLLECTION_DLQ_URL', 'PROCESSING_QUEUE_URL', 'PROCESSING_DLQ_URL']);
      return { collection: c.COLLECTION_QUEUE_URL, collectionDlq: c.COLLECTION_DLQ_URL, processing: c.PROCESSING_QUEUE_URL, processingDlq: c.PROCESSING_DLQ_URL };
    },
    telegram: () => {
      const c = readConfig(env, ['TELEGRAM_WEB_URL', 'TELEGRAM_SESSION_SECRET_ID']);
      return { webUrl: c.TELEGRAM_WEB_URL, sessionSecretId: c.TELEGRAM_SESSION_SECRET_ID };
    },
    publicBaseUrl: () => readConfig(env, ['PUBLIC_BASE_URL']).PUBLIC_BASE_URL,
  });
  return operationsDependencies(settings, env).deps;
}
