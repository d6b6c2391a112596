/**
 * `make dev`: the local stack on fixed ports until Ctrl-C. Prints the endpoints, the queues, and `export` lines so that
 * the operator CLI (bin/telecast.mjs) can be pointed at it from another shell; logs every invocation as it happens.
 *
 *   TELECAST_SQS_PORT (4566), TELECAST_DYNAMODB_PORT (4567)  where the emulators listen (loopback only)
 *   TELECAST_SCHEDULE_SECONDS (60; 0 = off)                  how often the scheduler runs (on AWS: the schedule's rate)
 *   TELECAST_DATA_DIR (.local/data)                           where the emulators keep their data across restarts;
 *                                                              `make dev-fresh` empties it first
 *   TELECAST_ADMIN_PORT (8787)                                where the admin page listens (loopback only)
 *   TELECAST_ADMIN_PASSWORD (generated, printed once)        the admin password of the local secret
 *   TELECAST_PUBLIC_PORT (8788)                               where the published feeds are served
 *   POWERTOOLS_LOG_LEVEL (INFO)                               the functions' log level
 */
import { resolve } from 'node:path';
import { PortInUseError } from './emulators.ts';
import { exportLines, formatInvocation, formatPollError } from './format.ts';
import { consumerOf } from './functions.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`${name} must be a whole number between 0 and 65535, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const sqsPort = numberFromEnv('TELECAST_SQS_PORT', 4566);
const dynamodbPort = numberFromEnv('TELECAST_DYNAMODB_PORT', 4567);
const scheduleEverySeconds = numberFromEnv('TELECAST_SCHEDULE_SECONDS', 60);
const adminPort = numberFromEnv('TELECAST_ADMIN_PORT', 8787);
const publicPort = numberFromEnv('TELECAST_PUBLIC_PORT', 8788);
// Podcasts, episodes, objects and queued messages survive a restart (and a crash) of `make dev`.
const dataDir = resolve(process.env.TELECAST_DATA_DIR || '.local/data');
const time = () => new Date().toISOString().slice(11, 19);

let stack: LocalStack;
try {
  stack = await startLocalStack({
    dataDir,
    sqsPort,
    dynamodbPort,
    scheduleEverySeconds,
    adminPort,
    publicPort,
    logs: 'inherit',
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
  });
} catch (error) {
  console.error(`make dev: ${error instanceof PortInUseError ? error.message : (error as Error).stack ?? String(error)}`);
  process.exit(1);
}

stack.runner.on('invocation', (report) => console.log(`${time()} ▸ ${formatInvocation(report)}`));
stack.runner.on('poll-error', (report) => console.error(`${time()} ! ${formatPollError(report)}`));

const { queues } = stack.resources;
console.log(`Telecast local stack (${process.version})

endpoints   SQS + S3  ${stack.endpoints.sqs}
            DynamoDB  ${stack.endpoints.dynamodb}
bucket      ${stack.resources.bucket}
table       ${stack.resources.table}
${Object.values(queues)
  .map((q) => `queue       ${q.url}\n            → ${consumerOf(stack.functions, q.key)?.[0] ?? 'no consumer'}, batch ${q.settings.batch_size}, concurrency ${q.settings.maximum_concurrency}, visibility ${q.settings.visibility_timeout_seconds} s, DLQ after ${q.settings.max_receive_count} receives: ${q.dlqUrl}`)
  .join('\n')}
schedule    ${scheduleEverySeconds ? `scheduler every ${scheduleEverySeconds} s` : 'off (TELECAST_SCHEDULE_SECONDS=0)'}
public      ${stack.publicUrl ? `${stack.publicUrl}/<podcast_id>/feed.xml (the published feeds and episodes, as CloudFront serves them)` : 'off'}
logs        ${stack.logDir ? `${stack.logDir}/<function>.log (\`node bin/telecast.mjs metrics\` sums the metrics in them)` : 'not kept'}
admin       ${stack.admin ? `log in at ${stack.admin.url} with password ${stack.admin.password}${process.env.TELECAST_ADMIN_PASSWORD ? ' (TELECAST_ADMIN_PASSWORD)' : ' (generated; set TELECAST_ADMIN_PASSWORD to choose it)'}` : 'off'}

To use the CLI against this stack, in another shell:

${exportLines(stack.env)}

  node bin/telecast.mjs podcast put samples/podcast.json
  node bin/telecast.mjs channel import @telecast_sample test/fixtures/telegram-export/result.json --recent
  node bin/telecast.mjs episode generate tech-pulse
  node bin/telecast.mjs metrics --since 1h

Data is kept in ${dataDir} across restarts (\`make dev-fresh\` starts empty). Ctrl-C stops the stack.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.error('\nstopping immediately');
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${time()} stopping: waiting for in-flight invocations (${signal} again to force)…`);
    stack.stop().then(
      () => {
        console.log(`${time()} stopped`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error('failed to stop cleanly:', error);
        process.exit(1);
      },
    );
  });
}
