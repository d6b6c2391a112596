/** QueueSender, QueueInspector and dead-lettering over SQS. */
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TelecastError } from '../core/errors.ts';
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
  private readonly urls = new Map<string, Promise<string>>();
  constructor(private readonly sqs: SQSClient) {}

  /** A queue's URL from its ARN, asked of SQS once (the URL's host differs between AWS and an emulator). */
  private urlOf(queueArn: string): Promise<string> {
    let url = this.urls.get(queueArn);
    if (!url) {
      const [, , , , account, name] = queueArn.split(':');
      url = this.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then((out) => out.QueueUrl ?? '');
      url.catch(() => this.urls.delete(queueArn));
      this.urls.set(queueArn, url);
    }
    return url;
  }

  async returnNow(queueArn: string, receiptHandle: string): Promise<void> {
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: await this.urlOf(queueArn), ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }));
  }

  async retryAfter(queueArn: string, receiptHandle: string, seconds: number): Promise<void> {
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html: at most 12 hours.
    const VisibilityTimeout = Math.min(43_200, Math.max(0, Math.ceil(seconds)));
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: await this.urlOf(queueArn), ReceiptHandle: receiptHandle, VisibilityTimeout }));
  }

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
export async function sendToDeadLetterQueue(queue: QueueSender, dlqUrl: string, letter: DeadLetter, maxBytes = SQS_MAX_MESSAGE_BYTES): Promise<string> {
  const attributes = fitAttributes(
    letter.body,
    {
      'telecast-error': letter.reason,
      'telecast-stage': letter.stage,
      'telecast-error-name': letter.errorName,
      'telecast-source-queue': letter.sourceQueue,
      'telecast-source-message-id': letter.messageId,
      'telecast-receive-count': String(letter.receiveCount),
    },
    maxBytes,
  );
  return queue.send(dlqUrl, letter.body, attributes);
}

/**
 * SQS's limit on a message, body and attributes together (names, the `String` type and values count). The queues keep
 * SQS's default maximum size; a copy to a DLQ must fit it or SQS refuses the send.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 */
export const SQS_MAX_MESSAGE_BYTES = 262_144;
/** Longest attribute value we send (SqsQueue.send cuts there too). */
const MAX_ATTRIBUTE_CHARS = 1024;

/** The body cannot be copied whole with even the shortest reason: SQS's own redrive has to move it. */
export class MessageTooLargeError extends TelecastError {
  override name = 'MessageTooLargeError';
  constructor(bytes: number, maxBytes: number) {
    super(`a ${bytes}-byte body leaves no room for a reason under the ${maxBytes}-byte message limit`, { retryable: true });
  }
}

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
function messageBytes(body: string, attributes: Record<string, string>): number {
  return Object.entries(attributes).reduce((n, [k, v]) => n + bytes(k) + bytes('String') + bytes(v), bytes(body));
}

/**
 * The reason attributes, cut so body and attributes fit `maxBytes`: first the reason text is shortened (it keeps its
 * beginning, which names the error), then the attributes other than the reason and the stage are dropped.
 * Throws MessageTooLargeError when even a one-character reason does not fit.
 */
export function fitAttributes(body: string, wanted: Record<string, string>, maxBytes: number): Record<string, string> {
  const all: Record<string, string> = Object.fromEntries(Object.entries(wanted).map(([k, v]) => [k, v.slice(0, MAX_ATTRIBUTE_CHARS) || '-']));
  const reason = all['telecast-error'] ?? '-';
  const essential = { 'telecast-error': reason, 'telecast-stage': all['telecast-stage'] ?? '-' };
  // The full set with the reason cut to what is left, unless that leaves it too short to read; then the reason and
  // the stage alone, the reason cut likewise.
  for (const [attributes, shortest] of [[all, 40], [essential, 1]] as const) {
    const room = maxBytes - messageBytes(body, { ...attributes, 'telecast-error': '' });
    if (bytes(reason) <= room) return { ...attributes };
    let kept = '';
    for (const ch of reason) {
      if (bytes(kept) + bytes(ch) + bytes('…') > room) break;
      kept += ch;
    }
    if (bytes(kept) >= Math.min(shortest, bytes(reason)) && kept) return { ...attributes, 'telecast-error': `${kept}…` };
  }
  throw new MessageTooLargeError(bytes(body), maxBytes);
}
