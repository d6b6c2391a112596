/**
 * A local stack for integration and end-to-end tests: random ports, short visibility timeouts, function output captured
 * instead of printed, every invocation recorded, and a few helpers to wait on and inspect queues.
 *
 *   let stack: TestStack;
 *   before(async () => { stack = await startTestStack({ functions: { telegram: { modulePath: fixtureHandler('echo') } } }); });
 *   after(() => stack?.stop());
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { fileURLToPath } from 'node:url';
import type { InvocationReport, LogLine } from '../../src/local/lambda-runner.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../src/local/stack.ts';

/**
 * Short enough that a failed record is back in a second or two, long enough that a real handler finishes before its
 * message would be delivered a second time (processing runs text-to-speech).
 */
export const TEST_VISIBILITY_TIMEOUT_SECONDS = { collection: 2, processing: 5 } as const;

/** Absolute path of a module under test/fixtures/handlers/ (without extension), e.g. `fixtureHandler('echo')`. */
export function fixtureHandler(name: string): string {
  return fileURLToPath(new URL(`../fixtures/handlers/${name}.mjs`, import.meta.url));
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface TestStack extends LocalStack {
  /** Every invocation so far, in completion order. */
  invocations: InvocationReport[];
  /** Every line the functions wrote. */
  logs: LogLine[];
  /** Resolves once `predicate` holds for the invocations so far; rejects (with the logs) after `timeoutMs`. */
  waitForInvocations(predicate: (reports: InvocationReport[]) => boolean, timeoutMs?: number): Promise<InvocationReport[]>;
  /** Polls `check` until it returns something other than undefined/false. */
  waitUntil<T>(check: () => Promise<T | undefined | false>, timeoutMs?: number, what?: string): Promise<T>;
  /** Sends a raw body (objects are JSON-encoded) to a queue by key (`collection`, `processing`) or URL. */
  send(queue: string, body: unknown): Promise<string>;
  depth(queueUrl: string): Promise<QueueDepth>;
  /** Receives (and leaves in flight) whatever is visible in a queue, e.g. a DLQ. */
  receiveAll(queueUrl: string): Promise<Message[]>;
  /** How often each message id has been delivered to a function, by the invocation reports. */
  deliveries(): Map<string, number>;
  /** The captured function output, for a failing test's message. */
  dumpLogs(): string;
}

export async function startTestStack(options: LocalStackOptions = {}): Promise<TestStack> {
  const stack = await startLocalStack({
    sqsPort: 0,
    dynamodbPort: 0,
    logs: 'silent',
    // No test reaches the internet: a web preview read refuses at once unless a test serves one (TelegramWebServer).
    telegramWebUrl: 'http://127.0.0.1:9',
    ...options,
    visibilityTimeoutSeconds: { ...TEST_VISIBILITY_TIMEOUT_SECONDS, ...options.visibilityTimeoutSeconds },
  });
  const invocations: InvocationReport[] = [];
  const logs: LogLine[] = [];
  const listeners = new Set<() => void>();
  stack.runner.on('invocation', (report) => {
    invocations.push(report);
    for (const listener of listeners) listener();
  });
  stack.runner.on('log', (line) => logs.push(line));
  const { sqs } = stack.clients;
  const dumpLogs = () => logs.map((l) => `[${l.functionName}] ${l.line}`).join('\n');

  const queueUrl = (queue: string) => stack.resources.queues[queue]?.url ?? queue;

  return {
    ...stack,
    invocations,
    logs,
    dumpLogs,
    waitForInvocations(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(invocations)) return false;
          cleanup();
          resolve(invocations);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for invocations; got ${JSON.stringify(invocations.map(({ response, ...r }) => r), null, 1)}\nlogs:\n${dumpLogs()}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        const listener = () => void check();
        listeners.add(listener);
        check();
      });
    },
    async waitUntil(check, timeoutMs = 10_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined && value !== false) return value as never;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nlogs:\n${dumpLogs()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async send(queue, body) {
      const out = await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl(queue), MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }),
      );
      return out.MessageId!;
    },
    async depth(url) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl(url),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    },
    async receiveAll(url) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl(url),
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      return out.Messages ?? [];
    },
    deliveries() {
      const counts = new Map<string, number>();
      for (const report of invocations) {
        for (const record of report.records ?? []) counts.set(record.messageId, (counts.get(record.messageId) ?? 0) + 1);
      }
      return counts;
    },
  };
}
