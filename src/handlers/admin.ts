/**
 * admin Lambda, behind a Lambda function URL: the admin page and its JSON API (src/admin/), over the same operations
 * the CLI runs (src/core/operations.ts).
 */
import { adminSecretSource } from '../adapters/admin-secret.ts';
import { DynamoAuditLog } from '../adapters/dynamo-audit-log.ts';
import { lazy, operationsDependencies } from '../adapters/operations-dependencies.ts';
import { S3ObjectLinks } from '../adapters/s3-object-links.ts';
import { S3ObjectStore } from '../adapters/s3-object-store.ts';
import { createAdminApp, type AdminDeps } from '../admin/app.ts';
import type { FunctionUrlEvent, FunctionUrlResult } from '../admin/http.ts';
import { webAssets } from '../admin/web-assets.ts';
import { readFunctionConfig } from '../core/config.ts';
import { createOperations } from '../core/operations.ts';
import { systemClock } from '../core/ports.ts';
import { logger } from './common/logger.ts';
import { recordColdStart } from './common/metrics.ts';

export function createHandler(deps: AdminDeps): (event: FunctionUrlEvent, context?: { functionName?: string }) => Promise<FunctionUrlResult> {
  const app = createAdminApp(deps);
  return (event, context) => {
    recordColdStart(context?.functionName);
    return app(event);
  };
}

/** The default dependencies, from the function's environment; the bundle's entry (build.mjs) calls it once per cold start. */
export function dependenciesFromEnvironment(env: Record<string, string | undefined>): AdminDeps {
  const config = readFunctionConfig('admin', env);
  const { deps, clients } = operationsDependencies(
    {
      table: config.TABLE_NAME,
      bucket: config.BUCKET_NAME,
      queueUrls: {
        collection: config.COLLECTION_QUEUE_URL,
        collectionDlq: config.COLLECTION_DLQ_URL,
        processing: config.PROCESSING_QUEUE_URL,
        processingDlq: config.PROCESSING_DLQ_URL,
      },
      telegram: { webUrl: config.TELEGRAM_WEB_URL, sessionSecretId: config.TELEGRAM_SESSION_SECRET_ID },
      publicBaseUrl: config.PUBLIC_BASE_URL,
    },
    env,
  );
  // Built on first use, like the operations' own clients: a cold start creates no client it may not need.
  const adapters = lazy({
    links: () => new S3ObjectLinks(clients.s3, config.BUCKET_NAME),
    objects: () => new S3ObjectStore(clients.s3, config.BUCKET_NAME),
    audit: () => new DynamoAuditLog(clients.dynamo, config.TABLE_NAME),
  });
  return {
    operations: createOperations(deps),
    links: { linkTo: (key, seconds) => adapters.links.linkTo(key, seconds) },
    objects: { getText: (key) => adapters.objects.getText(key) },
    audit: { record: (entry) => adapters.audit.record(entry), list: (options) => adapters.audit.list(options) },
    secret: adminSecretSource(config.ADMIN_SECRET_ID),
    assets: webAssets(),
    clock: systemClock,
    logger,
  };
}
