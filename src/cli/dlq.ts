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

/** Reads up to `max` messages without consuming them: each is made visible again at once. */
export async function inspectDeadLetters(sqs: SQSClient, dlqUrl: string, max = 50): Promise<InspectedLetter[]> {
  const seen = new Map<string, InspectedLetter>();
  const handles: string[] = [];
  while (seen.size < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        VisibilityTimeout: 30,
        WaitTimeSeconds: 0,
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

/** Moves every dead-lettered message back to its source queue; the reason attributes are dropped on the way. */
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
  let moved = 0;
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: urls.dlq, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return { method: 'manual', moved };
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
}
