/**
 * Throughput of the local pipeline's plumbing, not of Telecast's work: N messages through the collection queue's event
 * source mapping (its batch size and maximum concurrency from queue-settings.json) into a no-op consumer that
 * acknowledges every record, beside what the same emulator does with a bare SendMessageBatch / ReceiveMessage /
 * DeleteMessageBatch loop in the same run. The gap is the runner's cost: worker hand-off, JSON, deletes per batch.
 *
 *   node --import tsx bench/throughput.ts        (TELECAST_BENCH_MESSAGES, default 500)
 */
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startLocalStack } from '../src/local/stack.ts';

const ACK_HANDLER = fileURLToPath(new URL('../test/fixtures/handlers/ack.mjs', import.meta.url));

async function sendAll(sqs: SQSClient, queueUrl: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 10) {
    const n = Math.min(10, count - sent);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: n }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ n: sent + i, pad: 'x'.repeat(200) }) })),
      }),
    );
  }
}

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);

export async function benchThroughput(): Promise<Record<string, string | number>> {
  const messages = Number(process.env.TELECAST_BENCH_MESSAGES ?? 500);
  const stack = await startLocalStack({
    sqsPort: 0,
    dynamodbPort: 0,
    logs: 'silent',
    consumers: false,
    functions: { telegram: { modulePath: ACK_HANDLER }, podcastfy: false, scheduler: false },
  });
  try {
    const { sqs } = stack.clients;

    // Raw emulator: one client, batches of 10, no Lambda in between.
    const { QueueUrl: rawUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-raw' }));
    let t = performance.now();
    await sendAll(sqs, rawUrl!, messages);
    const rawSendMs = performance.now() - t;
    t = performance.now();
    for (let received = 0; received < messages; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: rawUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (Messages.length === 0) continue;
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: rawUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      received += Messages.length;
    }
    const rawReceiveMs = performance.now() - t;

    // Pipeline: the queue filled first, then the event source mapping drains it through the (already warm) function.
    const queue = stack.resources.queues.collection!;
    await sendAll(sqs, queue.url, messages);
    await stack.invoke('telegram', { Records: [] }); // the cold start is measured by bench/cold-start.ts, not here
    let acked = 0;
    let invocations = 0;
    let failures = 0;
    const drained = new Promise<void>((resolve) => {
      stack.runner.on('invocation', (r) => {
        if (r.source !== 'sqs') return;
        invocations += 1;
        acked += r.deletedRecords ?? 0;
        if (r.outcome !== 'success') failures += 1;
        if (acked >= messages) resolve();
      });
    });
    t = performance.now();
    stack.runner.addEventSource({
      functionName: 'telegram',
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize: queue.settings.batch_size,
      maximumConcurrency: queue.settings.maximum_concurrency,
    });
    await drained;
    const pipelineMs = performance.now() - t;

    return {
      messages,
      'pipeline queue': `${queue.name} (batch ${queue.settings.batch_size}, concurrency ${queue.settings.maximum_concurrency})`,
      'pipeline msg/s': perSecond(messages, pipelineMs),
      'pipeline invocations': invocations,
      'pipeline failed invocations': failures,
      'pipeline wall ms per batch': Number((pipelineMs / invocations).toFixed(2)),
      'raw send msg/s (batch 10)': perSecond(messages, rawSendMs),
      'raw receive+delete msg/s (batch 10)': perSecond(messages, rawReceiveMs),
    };
  } finally {
    await stack.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('Pipeline throughput on the local stack (no-op consumer) beside the raw emulator');
  console.table(await benchThroughput());
}
