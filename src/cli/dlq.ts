/**
 * Dead-letter queue tools for operators: look at what failed and why, and replay it.
 * On AWS, redrive uses StartMessageMoveTask (the console's "Start DLQ redrive"). The local emulator has no such action,
 * so there the messages are moved by receive → send → delete, which is what the AWS task does server-side.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface InspectedLetter {
  messageId: string;
  body: string;
  reason?: string;
  stage?: string;
  sourceMessageId?: string;
  receiveCount: number;
}

function attr(m: Message, name: string): string | undefined {
  return m.MessageAttributes?.[name]?.StringValue;
}

async function visibleCount(sqs: SQSClient, url: string): Promise<number> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

/**
 * Reads up to `max` messages without consuming them: each is made visible again at once. Long polling, until as many
 * as the queue reports are seen: a short poll samples only some SQS servers and can answer "empty" for a small queue.
 */
export async function inspectDeadLetters(sqs: SQSClient, dlqUrl: string, max = 50): Promise<InspectedLetter[]> {
  const seen = new Map<string, InspectedLetter>();
  const handles: string[] = [];
  const target = Math.min(max, await visibleCount(sqs, dlqUrl));
  while (seen.size < target) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, target - seen.size),
        VisibilityTimeout: 30,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      handles.push(m.ReceiptHandle ?? '');
      seen.set(m.MessageId ?? '', {
        messageId: m.MessageId ?? '',
        body: m.Body ?? '',
        reason: attr(m, 'telecast-error'),
        stage: attr(m, 'telecast-stage'),
        sourceMessageId: attr(m, 'telecast-source-message-id'),
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
      });
    }
  }
  for (let i = 0; i < handles.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlqUrl,
        Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })),
      }),
    );
  }
  return [...seen.values()];
}

export interface RedriveResult {
  method: 'move-task' | 'manual';
  /** Manual: messages moved. Move task: messages in the DLQ when the task started (it moves them server-side). */
  moved: number;
  taskHandle?: string;
}

function isUnsupported(error: unknown): boolean {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return (
    /UnsupportedOperation|InvalidAction|UnknownOperation|not (supported|implemented)/i.test(`${e?.name} ${e?.message}`) ||
    e?.$metadata?.httpStatusCode === 501
  );
}

/**
 * Moves the dead-lettered messages back to their source queue. The move task keeps message attributes; the manual
 * move drops our `telecast-*` reason attributes, so a message that fails again gets a fresh reason.
 */
export async function redriveDeadLetters(sqs: SQSClient, urls: { source: string; dlq: string }): Promise<RedriveResult> {
  const arns = await Promise.all(
    [urls.dlq, urls.source].map(async (url) => {
      const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }));
      return { arn: out.Attributes?.QueueArn ?? '', count: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) };
    }),
  );
  const [dlq, source] = arns as [{ arn: string; count: number }, { arn: string; count: number }];
  try {
    const task = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: source.arn }));
    return { method: 'move-task', moved: dlq.count, taskHandle: task.TaskHandle ?? '' };
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  }
  // At most what was there when we started: a message that fails permanently again comes straight back to the DLQ,
  // and moving it again would loop for ever.
  let moved = 0;
  while (moved < dlq.count) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: urls.dlq,
        MaxNumberOfMessages: Math.min(10, dlq.count - moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).filter(([k]) => !k.startsWith('telecast-')),
      );
      // Send before delete: a crash in between duplicates a message (harmless: episodes are claimed conditionally)
      // rather than losing one.
      await sqs.send(new SendMessageCommand({ QueueUrl: urls.source, MessageBody: m.Body ?? '', MessageAttributes: attributes }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: urls.dlq, ReceiptHandle: m.ReceiptHandle ?? '' }));
      moved += 1;
    }
  }
  return { method: 'manual', moved };
}
