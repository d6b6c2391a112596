/**
 * Runs Lambda functions locally with Lambda's semantics, so the built bundles (dist/<name>/index.mjs) behave here as
 * they do on AWS:
 * - a function runtime: one worker thread per execution environment, with only that function's environment variables;
 *   the module is loaded once (cold start) and reused (warm); an invocation past the function timeout terminates the
 *   environment (the next one is cold again) and fails;
 * - the SQS event source mapping: long-poll, batch, bounded concurrency, Lambda's SQS event shape, and partial batch
 *   responses (ReportBatchItemFailures);
 * - the schedule (EventBridge Scheduler) and direct invocation.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';

const WORKER_SCRIPT = new URL('./lambda-worker.mjs', import.meta.url);
const ACCOUNT_ID = '000000000000';

export interface FunctionDefinition {
  name: string;
  /** Absolute path of the ES module exporting the handler: `dist/<name>/index.mjs`, or a test fixture. */
  modulePath: string;
  /** Exported handler name (Lambda's `index.handler`). */
  handler?: string;
  /** The function's whole environment: nothing of this process's environment leaks in, as on Lambda. */
  env: Record<string, string>;
  timeoutSeconds: number;
  /** Caps the worker's V8 heap, the nearest thing to Lambda's memory setting. */
  memoryMb?: number;
  /** Most execution environments at once (Lambda's reserved concurrency); further invocations wait. */
  maxEnvironments?: number;
}

export interface EventSourceMappingDefinition {
  functionName: string;
  queueUrl: string;
  queueArn: string;
  /** Records per invocation; above 10 (one receive's limit) only with a batching window, as on Lambda. */
  batchSize: number;
  /** How long to keep gathering records for a batch that is not yet full (MaximumBatchingWindowInSeconds). */
  maximumBatchingWindowSeconds?: number;
  /** Concurrent batches in flight (the mapping's ScalingConfig.MaximumConcurrency). */
  maximumConcurrency: number;
  /** Long-poll wait; short so that stop() returns promptly. */
  waitTimeSeconds?: number;
  /** FunctionResponseTypes: ['ReportBatchItemFailures'] (what Telecast's Terraform configures). */
  reportBatchItemFailures?: boolean;
}

export interface ScheduleDefinition {
  functionName: string;
  everySeconds: number;
  /** Schedule name, used in the event's `resources` ARN. */
  name?: string;
  /** The event to send; defaults to EventBridge Scheduler's default event for a Lambda target. */
  event?: (now: Date) => unknown;
}

export type InvocationSource = 'sqs' | 'schedule' | 'direct';

export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

export interface InvocationReport {
  functionName: string;
  requestId: string;
  source: InvocationSource;
  /** `partial`: the function reported some batch item failures; `error`: it threw (or failed to initialise). */
  outcome: 'success' | 'partial' | 'error' | 'timeout';
  coldStart: boolean;
  /** Module load time, on a cold start. */
  initDurationMs?: number;
  durationMs: number;
  /** SQS only: the batch's messages and how often each has been received (ApproximateReceiveCount). */
  records?: Array<{ messageId: string; receiveCount: number }>;
  /** SQS only: records in the batch, records that will be retried, records deleted. */
  batchSize?: number;
  failedRecords?: number;
  deletedRecords?: number;
  /** SQS only: why the whole batch failed although the function returned (malformed partial batch response). */
  responseProblem?: string;
  error?: LambdaErrorPayload;
  /** The function's JSON response (parsed). */
  response?: unknown;
}

export interface LogLine {
  functionName: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface PollErrorReport {
  functionName: string;
  queueUrl: string;
  action: 'receive' | 'delete';
  error: unknown;
}

type RunnerEvents = {
  invocation: [InvocationReport];
  log: [LogLine];
  'poll-error': [PollErrorReport];
};

export interface LambdaRunnerOptions {
  /** Client the event source mappings poll with (pointed at the emulator). */
  sqs: SQSClient;
  region?: string;
  /**
   * What to do with the functions' console output besides emitting `log` events: `inherit` writes each line to this
   * process's stdout/stderr prefixed with `[function]`; `silent` only emits.
   */
  logs?: 'inherit' | 'silent';
}

/** A failed direct invocation: the function threw, failed to load, or timed out. */
export class LambdaInvocationError extends Error {
  readonly functionName: string;
  readonly requestId: string;
  readonly errorType: string;
  readonly timedOut: boolean;
  readonly stackTrace: string[];
  constructor(functionName: string, requestId: string, payload: LambdaErrorPayload, timedOut: boolean) {
    super(`${functionName} failed (${payload.errorType}): ${payload.errorMessage}`);
    this.name = 'LambdaInvocationError';
    this.functionName = functionName;
    this.requestId = requestId;
    this.errorType = payload.errorType;
    this.timedOut = timedOut;
    this.stackTrace = payload.stackTrace;
  }
}

type InvocationOutcome =
  | { ok: true; requestId: string; response: unknown; coldStart: boolean; initDurationMs?: number; durationMs: number }
  | { ok: false; requestId: string; error: LambdaErrorPayload; timedOut: boolean; coldStart: boolean; initDurationMs?: number; durationMs: number };

type WorkerMessage =
  | { type: 'init'; ok: true; initDurationMs: number }
  | { type: 'init'; ok: false; initDurationMs: number; error: LambdaErrorPayload }
  | { type: 'result'; requestId: string; ok: true; payload: string }
  | { type: 'result'; requestId: string; ok: false; error: LambdaErrorPayload };

type InitResult = { ok: true; initDurationMs: number } | { ok: false; initDurationMs: number; error: LambdaErrorPayload };
type RunResult = { ok: true; payload: string } | { ok: false; error: LambdaErrorPayload };

/** One execution environment: a worker thread that has (or is) loading the function's module. */
class ExecutionEnvironment {
  readonly ready: Promise<InitResult>;
  busy = false;
  dead = false;
  used = false;
  private readonly worker: Worker;
  private pending: { requestId: string; resolve: (result: RunResult) => void } | undefined;

  constructor(definition: FunctionDefinition, region: string, onLine: (stream: LogLine['stream'], line: string) => void) {
    const now = new Date();
    const logStreamName = `${now.toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
    const memoryMb = definition.memoryMb ?? 1024;
    this.worker = new Worker(WORKER_SCRIPT, {
      // The function's variables, then Lambda's reserved ones (which Lambda does not let a function set).
      env: {
        ...definition.env,
        AWS_LAMBDA_FUNCTION_NAME: definition.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${definition.name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
      },
      // No TypeScript loader or other flags of this process: the bundle runs on plain Node, as on Lambda.
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
      workerData: {
        modulePath: definition.modulePath,
        handlerName: definition.handler ?? 'handler',
        functionName: definition.name,
        memoryMb,
        logStreamName,
        region,
      },
    });
    for (const [stream, readable] of [['stdout', this.worker.stdout], ['stderr', this.worker.stderr]] as const) {
      createInterface({ input: readable as Readable, crlfDelay: Infinity }).on('line', (line) => onLine(stream, line));
    }
    this.ready = new Promise<InitResult>((resolve) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type !== 'init') return;
        this.worker.off('message', onMessage);
        resolve(message.ok ? { ok: true, initDurationMs: message.initDurationMs } : message);
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', (code) =>
        resolve({ ok: false, initDurationMs: 0, error: { errorType: 'Runtime.ExitError', errorMessage: `worker exited with code ${code} during init`, stackTrace: [] } }),
      );
    });
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'result' || message.requestId !== this.pending?.requestId) return;
      const { resolve } = this.pending;
      this.pending = undefined;
      resolve(message.ok ? { ok: true, payload: message.payload } : { ok: false, error: message.error });
    });
    // An uncaught exception or process.exit() in the function ends the environment, as it ends Lambda's runtime.
    this.worker.on('error', (error) => this.fail({ errorType: 'Runtime.UnhandledError', errorMessage: String(error?.message ?? error), stackTrace: String(error?.stack ?? '').split('\n').slice(1) }));
    this.worker.on('exit', (code) => this.fail({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${this.pending?.requestId ?? '-'} Error: Runtime exited with error: exit status ${code}`, stackTrace: [] }));
  }

  private fail(error: LambdaErrorPayload): void {
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ ok: false, error });
  }

  run(requestId: string, payload: string, deadline: number): Promise<RunResult> {
    if (this.dead) return Promise.resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'environment is gone', stackTrace: [] } });
    return new Promise((resolve) => {
      this.pending = { requestId, resolve };
      this.worker.postMessage({ type: 'invoke', requestId, payload, deadline });
    });
  }

  async kill(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

/** The execution environments of one function: reused while warm, created on demand up to `maxEnvironments`. */
class FunctionRuntime {
  readonly definition: FunctionDefinition;
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly waiting: Array<() => void> = [];
  private readonly region: string;
  private readonly onLine: (stream: LogLine['stream'], line: string) => void;

  constructor(definition: FunctionDefinition, region: string, onLine: (line: LogLine) => void) {
    this.definition = definition;
    this.region = region;
    this.onLine = (stream, line) => onLine({ functionName: definition.name, stream, line });
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    for (;;) {
      for (const env of this.environments) {
        if (env.dead) this.environments.delete(env);
        else if (!env.busy) {
          env.busy = true;
          return env;
        }
      }
      if (this.environments.size < (this.definition.maxEnvironments ?? 10)) {
        const env = new ExecutionEnvironment(this.definition, this.region, this.onLine);
        env.busy = true;
        this.environments.add(env);
        return env;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(env: ExecutionEnvironment): void {
    env.busy = false;
    if (env.dead) this.environments.delete(env);
    this.waiting.shift()?.();
  }

  async invoke(event: unknown): Promise<InvocationOutcome> {
    const env = await this.acquire();
    const requestId = randomUUID();
    const timeoutMs = this.definition.timeoutSeconds * 1000;
    const coldStart = !env.used;
    env.used = true;
    let initDurationMs: number | undefined;
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    try {
      if (coldStart) {
        const init = await withTimeout(env.ready, timeoutMs);
        if (init === TIMED_OUT || !init.ok) {
          await env.kill();
          const error = init === TIMED_OUT ? timeoutError(this.definition.timeoutSeconds, 'init') : init.error;
          return { ok: false, requestId, error, timedOut: init === TIMED_OUT, coldStart, durationMs: elapsed() };
        }
        initDurationMs = init.initDurationMs;
      }
      const invokeStarted = performance.now();
      const result = await withTimeout(env.run(requestId, JSON.stringify(event ?? null), Date.now() + timeoutMs), timeoutMs);
      const durationMs = performance.now() - invokeStarted;
      if (result === TIMED_OUT) {
        // Lambda stops the environment on a timeout; whatever the function was doing does not go on in the background.
        await env.kill();
        return { ok: false, requestId, error: timeoutError(this.definition.timeoutSeconds), timedOut: true, coldStart, initDurationMs, durationMs };
      }
      if (!result.ok) return { ok: false, requestId, error: result.error, timedOut: false, coldStart, initDurationMs, durationMs };
      return { ok: true, requestId, response: JSON.parse(result.payload) as unknown, coldStart, initDurationMs, durationMs };
    } finally {
      this.release(env);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.environments].map((env) => env.kill()));
    this.environments.clear();
  }

  /** Kills the environments running an invocation now, as a crash of the runtime would; returns how many. */
  async crash(): Promise<number> {
    const busy = [...this.environments].filter((env) => env.busy && !env.dead);
    await Promise.all(busy.map((env) => env.kill()));
    return busy.length;
  }
}

const TIMED_OUT = Symbol('timed out');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function timeoutError(seconds: number, phase: 'init' | 'invoke' = 'invoke'): LambdaErrorPayload {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: phase === 'init' ? `Init timed out after ${seconds.toFixed(2)} seconds` : `Task timed out after ${seconds.toFixed(2)} seconds`,
    stackTrace: [],
  };
}

/** SQS message attributes in the lowercase shape Lambda puts in an SQS event record. */
function toLambdaMessageAttributes(attributes: Message['MessageAttributes']): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  return result;
}

/** One received message as Lambda's SQS event record (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const record: SQSRecord = {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? ACCOUNT_ID,
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    } as SQSRecord['attributes'],
    messageAttributes: toLambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/**
 * Reads a function's response to an SQS batch the way Lambda does with ReportBatchItemFailures: null, `{}` or an empty
 * or null `batchItemFailures` is complete success; a list of known, non-empty `itemIdentifier`s fails just those; anything
 * else (an unknown or empty id, a wrong key, a non-object) fails the whole batch.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
export function interpretBatchResponse(response: unknown, messageIds: readonly string[]): { failed: Set<string> } | { problem: string } {
  if (response === null || response === undefined) return { failed: new Set() };
  if (typeof response !== 'object' || Array.isArray(response)) return { problem: 'response is not an object' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { failed: new Set() };
  if (!Array.isArray(failures)) return { problem: 'batchItemFailures is not a list' };
  const known = new Set(messageIds);
  const failed = new Set<string>();
  for (const item of failures as unknown[]) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return { problem: 'a batch item failure has no itemIdentifier' };
    if (!known.has(id)) return { problem: `itemIdentifier ${id} is not a message of this batch` };
    failed.add(id);
  }
  return { failed };
}

/** EventBridge Scheduler's default event for a Lambda target without an explicit input. */
export function scheduledEvent(scheduleName: string, now: Date, region: string): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: ACCOUNT_ID,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:scheduler:${region}:${ACCOUNT_ID}:schedule/default/${scheduleName}`],
    detail: '{}',
  };
}

/** The poller of one SQS event source mapping. */
class SqsEventSource {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private stopping = false;

  constructor(
    private readonly runner: LambdaRunner,
    private readonly sqs: SQSClient,
    private readonly mapping: EventSourceMappingDefinition,
    private readonly region: string,
  ) {}

  start(): void {
    // One loop per allowed concurrent batch: a loop invokes, waits, deletes, then receives again, so at most
    // `maximumConcurrency` invocations run for this queue, as with the mapping's MaximumConcurrency.
    for (let i = 0; i < this.mapping.maximumConcurrency; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    const { mapping } = this;
    const windowMs = (mapping.maximumBatchingWindowSeconds ?? 0) * 1000;
    while (!this.stopping) {
      let messages: Message[];
      try {
        messages = await this.receive(mapping.batchSize, mapping.waitTimeSeconds ?? 1);
        // With a batching window, keep gathering until the batch is full or the window has passed.
        const windowEnds = Date.now() + windowMs;
        while (messages.length > 0 && messages.length < mapping.batchSize && Date.now() < windowEnds && !this.stopping) {
          const wait = Math.min(1, Math.floor((windowEnds - Date.now()) / 1000));
          const more = await this.receive(mapping.batchSize - messages.length, wait);
          messages.push(...more);
          if (more.length === 0 && wait === 0) await sleep(Math.min(100, windowEnds - Date.now()));
        }
      } catch (error) {
        if (this.stopping) break;
        this.runner.emit('poll-error', { functionName: mapping.functionName, queueUrl: mapping.queueUrl, action: 'receive', error });
        await sleep(1000);
        continue;
      }
      if (messages.length === 0) continue;
      if (this.stopping) {
        // Received just as we were told to stop: hand the messages back rather than start an invocation now.
        await this.releaseMessages(messages.map((m) => m.ReceiptHandle!));
        break;
      }
      await this.process(messages);
    }
  }

  private async receive(max: number, waitTimeSeconds: number): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.mapping.queueUrl,
        MaxNumberOfMessages: Math.min(max, 10),
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return out.Messages ?? [];
  }

  /** Makes in-flight messages visible again at once (visibility timeout 0). */
  private async releaseMessages(receiptHandles: string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += 10) {
      await this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.mapping.queueUrl,
            Entries: receiptHandles.slice(i, i + 10).map((handle, n) => ({ Id: String(n), ReceiptHandle: handle, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined);
    }
  }

  private async process(messages: Message[]): Promise<void> {
    const { mapping } = this;
    const records = messages.map((m) => toSqsRecord(m, mapping.queueArn, this.region));
    const event: SQSEvent = { Records: records };
    const outcome = await this.runner.invokeFunction(mapping.functionName, event);
    const ids = records.map((r) => r.messageId);
    let failed: Set<string>;
    let responseProblem: string | undefined;
    if (!outcome.ok) {
      // The invocation failed as a whole: nothing is deleted, every record comes back after the visibility timeout
      // and counts one more receive towards the redrive policy.
      failed = new Set(ids);
    } else if (mapping.reportBatchItemFailures === false) {
      failed = new Set();
    } else {
      const interpreted = interpretBatchResponse(outcome.response, ids);
      if ('problem' in interpreted) {
        responseProblem = interpreted.problem;
        failed = new Set(ids);
      } else failed = interpreted.failed;
    }
    const toDelete = records.filter((r) => !failed.has(r.messageId));
    let deleted = 0;
    for (let i = 0; i < toDelete.length; i += 10) {
      const chunk = toDelete.slice(i, i + 10);
      try {
        const out = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: mapping.queueUrl,
            Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
          }),
        );
        deleted += out.Successful?.length ?? 0;
        if (out.Failed?.length) {
          const error = new Error(`DeleteMessageBatch failed for ${out.Failed.length} entries: ${out.Failed.map((f) => f.Message ?? f.Code).join('; ')}`);
          this.runner.emit('poll-error', { functionName: mapping.functionName, queueUrl: mapping.queueUrl, action: 'delete', error });
        }
      } catch (error) {
        this.runner.emit('poll-error', { functionName: mapping.functionName, queueUrl: mapping.queueUrl, action: 'delete', error });
      }
    }
    this.runner.emit('invocation', {
      functionName: mapping.functionName,
      requestId: outcome.requestId,
      source: 'sqs',
      outcome: !outcome.ok ? (outcome.timedOut ? 'timeout' : 'error') : failed.size === 0 ? 'success' : responseProblem ? 'error' : 'partial',
      coldStart: outcome.coldStart,
      ...(outcome.initDurationMs !== undefined ? { initDurationMs: outcome.initDurationMs } : {}),
      durationMs: outcome.durationMs,
      records: records.map((r) => ({ messageId: r.messageId, receiveCount: Number(r.attributes.ApproximateReceiveCount) })),
      batchSize: records.length,
      failedRecords: failed.size,
      deletedRecords: deleted,
      ...(responseProblem ? { responseProblem } : {}),
      ...(outcome.ok ? { response: outcome.response } : { error: outcome.error }),
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Functions, their SQS event sources and schedules. Emits `invocation` for every invocation (with batch size, failures,
 * duration, cold/warm), `log` for every line a function writes, `poll-error` when the poller cannot talk to SQS.
 */
export class LambdaRunner extends EventEmitter<RunnerEvents> {
  private readonly sqs: SQSClient;
  private readonly region: string;
  private readonly functions = new Map<string, FunctionRuntime>();
  private readonly sources: SqsEventSource[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped: Promise<void> | undefined;

  constructor(options: LambdaRunnerOptions) {
    super();
    this.sqs = options.sqs;
    this.region = options.region ?? 'us-east-1';
    if ((options.logs ?? 'inherit') === 'inherit') {
      this.on('log', ({ functionName, stream, line }) => (stream === 'stderr' ? process.stderr : process.stdout).write(`[${functionName}] ${line}\n`));
    }
  }

  addFunction(definition: FunctionDefinition): void {
    if (this.functions.has(definition.name)) throw new Error(`function ${definition.name} is already defined`);
    this.functions.set(definition.name, new FunctionRuntime(definition, this.region, (line) => this.emit('log', line)));
  }

  /** Starts polling the queue at once. */
  addEventSource(mapping: EventSourceMappingDefinition): void {
    this.requireFunction(mapping.functionName);
    const source = new SqsEventSource(this, this.sqs, mapping, this.region);
    this.sources.push(source);
    source.start();
  }

  /** Invokes the function every `everySeconds` (the first time after one interval), whether or not the last run ended. */
  addSchedule(schedule: ScheduleDefinition): void {
    this.requireFunction(schedule.functionName);
    const name = schedule.name ?? `${schedule.functionName}-schedule`;
    const timer = setInterval(() => {
      const now = new Date();
      const event = schedule.event ? schedule.event(now) : scheduledEvent(name, now, this.region);
      void this.invokeAndReport(schedule.functionName, event, 'schedule').catch(() => undefined);
    }, schedule.everySeconds * 1000);
    this.timers.push(timer);
  }

  /** Synchronous (RequestResponse) invocation: resolves with the response, rejects with {@link LambdaInvocationError}. */
  async invoke(functionName: string, event: unknown): Promise<unknown> {
    return this.invokeAndReport(functionName, event, 'direct');
  }

  private async invokeAndReport(functionName: string, event: unknown, source: InvocationSource): Promise<unknown> {
    const outcome = await this.invokeFunction(functionName, event);
    this.emit('invocation', {
      functionName,
      requestId: outcome.requestId,
      source,
      outcome: outcome.ok ? 'success' : outcome.timedOut ? 'timeout' : 'error',
      coldStart: outcome.coldStart,
      ...(outcome.initDurationMs !== undefined ? { initDurationMs: outcome.initDurationMs } : {}),
      durationMs: outcome.durationMs,
      ...(outcome.ok ? { response: outcome.response } : { error: outcome.error }),
    });
    if (!outcome.ok) throw new LambdaInvocationError(functionName, outcome.requestId, outcome.error, outcome.timedOut);
    return outcome.response;
  }

  /** @internal Used by the event sources; reports nothing itself. */
  invokeFunction(functionName: string, event: unknown): Promise<InvocationOutcome> {
    if (this.stopped) return Promise.reject(new Error('the runner is stopped'));
    const promise = this.requireFunction(functionName).invoke(event);
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  private requireFunction(name: string): FunctionRuntime {
    const runtime = this.functions.get(name);
    if (!runtime) throw new Error(`no function named ${name}`);
    return runtime;
  }

  /** Stops schedules and pollers, waits for in-flight invocations (and their deletes), then ends every environment. */
  /**
   * Kills the function's busy execution environments mid-invocation (fault injection: a crash at a chosen point).
   * Their invocations fail as a crashed runtime's do; an SQS batch comes back after its visibility timeout.
   */
  crash(functionName: string): Promise<number> {
    const runtime = this.functions.get(functionName);
    if (!runtime) throw new Error(`no function ${functionName}`);
    return runtime.crash();
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      await Promise.all(this.sources.map((s) => s.stop()));
      await Promise.allSettled([...this.inFlight]);
      await Promise.all([...this.functions.values()].map((f) => f.stop()));
    })();
    return this.stopped;
  }
}
