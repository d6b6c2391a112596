/** QueueSender, QueueInspector and dead-lettering over SQS. */
import { GetQueueAttributesCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueInspector, QueueSender } from '../core/ports.ts';

/** A queue's name from its URL (`…/<account>/<name>`) or ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export function queueNameOf(urlOrArn: string): string {
  return urlOrArn.split(/[/:]/).pop() || urlOrArn;
}

function stringAttributes(attributes: Record<string, string>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v.slice(0, 1024) || '-' }]),
  );
}

export class SqsQueue implements QueueSender, QueueInspector {
  constructor(private readonly sqs: SQSClient) {}

  async send(queueUrl: string, body: unknown, attributes: Record<string, string> = {}): Promise<string> {
    const out = await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        MessageAttributes: stringAttributes(attributes),
      }),
    );
    return out.MessageId ?? '';
  }

  async depth(queue: string, url: string): Promise<QueueDepth> {
    const out = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    const a: Record<string, string | undefined> = out.Attributes ?? {};
    const n = (key: string): number => Number(a[key] ?? 0);
    return {
      queue,
      url,
      visible: n('ApproximateNumberOfMessages'),
      inFlight: n('ApproximateNumberOfMessagesNotVisible'),
      delayed: n('ApproximateNumberOfMessagesDelayed'),
    };
  }
}

/** What the consumer knows of a record it gives up on. */
export interface DeadLetter {
  body: string;
  messageId: string;
  sourceQueue: string;
  receiveCount: number;
  reason: string;
  errorName: string;
  stage: string;
}

/**
 * Sends a record that can never succeed straight to its DLQ with the reason in message attributes, instead of letting
 * it burn its receives: "a message that cannot be processed ends in a DLQ with its reason". The body is kept byte for
 * byte so a redrive replays exactly what was sent. Transient failures do not come here; SQS's own redrive moves them
 * after maxReceiveCount receives, and the episode record carries their reason.
 */
export async function sendToDeadLetterQueue(queue: QueueSender, dlqUrl: string, letter: DeadLetter): Promise<string> {
  return queue.send(dlqUrl, letter.body, {
    'telecast-error': letter.reason,
    'telecast-error-name': letter.errorName,
    'telecast-stage': letter.stage,
    'telecast-source-queue': letter.sourceQueue,
    'telecast-source-message-id': letter.messageId,
    'telecast-receive-count': String(letter.receiveCount),
  });
}
