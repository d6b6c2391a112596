/**
 * DeadLetterQueue over SQS: look at what failed and why, and replay it.
 * On AWS, redriving everything uses StartMessageMoveTask (the console's "Start DLQ redrive"). The local emulator has no
 * such action, so there the messages are moved by receive → send → delete, which is what the AWS task does
 * server-side. Moving selected letters is always receive → send → delete of just those: the move task cannot choose.
 * Discarding selected letters is receive → delete of just those.
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
import type { DeadLetterQueue, InspectedLetter, RedriveResult } from '../core/ports.ts';

function attr(m: Message, name: string): string | undefined {
  return m.MessageAttributes?.[name]?.StringValue;
}

function letterOf(m: Message): InspectedLetter {
  return {
    messageId: m.MessageId ?? '',
    body: m.Body ?? '',
    reason: attr(m, 'telecast-error'),
    stage: attr(m, 'telecast-stage'),
    sourceMessageId: attr(m, 'telecast-source-message-id'),
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
  };
}

function isUnsupported(error: unknown): boolean {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return (
    /UnsupportedOperation|InvalidAction|UnknownOperation|not (supported|implemented)/i.test(`${e?.name} ${e?.message}`) ||
    e?.$metadata?.httpStatusCode === 501
  );
}

/** What to do with a letter seen while scanning the DLQ. */
type Visit = (letter: InspectedLetter, message: Message) => 'keep' | 'gone' | Promise<'keep' | 'gone'>;

export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly urls: { source: string; dlq: string },
  ) {}

  async inspect(max = 50): Promise<InspectedLetter[]> {
    const letters: InspectedLetter[] = [];
    await this.scan(max, (letter) => {
      letters.push(letter);
      return 'keep';
    });
    return letters;
  }

  /**
   * The move task keeps message attributes; the manual move drops our `telecast-*` reason attributes, so a message
   * that fails again gets a fresh reason.
   */
  async redriveAll(): Promise<RedriveResult> {
    const [dlq, source] = await Promise.all([this.urls.dlq, this.urls.source].map((url) => this.attributes(url)));
    try {
      const task = await this.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq!.arn, DestinationArn: source!.arn }));
      return { method: 'move-task', moved: dlq!.count, taskHandle: task.TaskHandle ?? '' };
    } catch (error) {
      if (!isUnsupported(error)) throw error;
    }
    return { method: 'manual', moved: await this.redriveMatching(() => true) };
  }

  async redriveMatching(matches: (letter: InspectedLetter) => boolean): Promise<number> {
    let moved = 0;
    await this.scan(Infinity, async (letter, m) => {
      if (!matches(letter)) return 'keep';
      await this.moveBack(m);
      moved += 1;
      return 'gone';
    });
    return moved;
  }

  async discardMatching(matches: (letter: InspectedLetter) => boolean): Promise<number> {
    let discarded = 0;
    await this.scan(Infinity, async (letter, m) => {
      if (!matches(letter)) return 'keep';
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.urls.dlq, ReceiptHandle: m.ReceiptHandle ?? '' }));
      discarded += 1;
      return 'gone';
    });
    return discarded;
  }

  private async moveBack(m: Message): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).filter(([k]) => !k.startsWith('telecast-')),
    );
    // Send before delete: a crash in between duplicates a message (harmless: episodes are claimed conditionally)
    // rather than losing one.
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.urls.source, MessageBody: m.Body ?? '', MessageAttributes: attributes }));
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.urls.dlq, ReceiptHandle: m.ReceiptHandle ?? '' }));
  }

  /**
   * Receives up to `max` of the letters the DLQ holds now and hands each to `visit`; the ones it keeps are made
   * visible again at once, even if a visit fails. At most what was there when we started: a message moved back that
   * fails permanently again comes straight back to the DLQ, and reading on would loop for ever. Long polling, until as
   * many as the queue reports are seen: a short poll samples only some SQS servers and can answer "empty" for a small
   * queue.
   */
  private async scan(max: number, visit: Visit): Promise<void> {
    const target = Math.min(max, (await this.attributes(this.urls.dlq)).count);
    const kept: string[] = [];
    let seen = 0;
    try {
      while (seen < target) {
        const out = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.urls.dlq,
            MaxNumberOfMessages: Math.min(10, target - seen),
            // Held while we look; long enough for a send and a delete per message of the batch.
            VisibilityTimeout: 60,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) break;
        seen += messages.length;
        for (const [i, m] of messages.entries()) {
          try {
            if ((await visit(letterOf(m), m)) === 'keep') kept.push(m.ReceiptHandle ?? '');
          } catch (error) {
            kept.push(...messages.slice(i).map((rest) => rest.ReceiptHandle ?? ''));
            throw error;
          }
        }
      }
    } finally {
      await this.release(kept);
    }
  }

  private async release(handles: string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.urls.dlq,
          Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  }

  private async attributes(url: string): Promise<{ arn: string; count: number }> {
    const out = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }));
    return { arn: out.Attributes?.QueueArn ?? '', count: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) };
  }
}
