// The local stack against its embedded emulators, over HTTP with the real SDK clients: provisioning from
// terraform/queue-settings.json, and the runner's Lambda semantics (event shape, partial batch responses, retries,
// redrive to the DLQ, timeouts, per-function environments), using the fixture handlers in test/fixtures/handlers/.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { createLocalClients, destroyLocalClients } from '../../src/local/clients.ts';
import { PortInUseError, startEmulators } from '../../src/local/emulators.ts';
import { LambdaInvocationError, type InvocationReport } from '../../src/local/lambda-runner.ts';
import { provision } from '../../src/local/provision.ts';
import { CONFIG_KEYS, FUNCTION_NAMES, type FunctionName } from '../../src/core/config.ts';
import { loadFunctionManifest } from '../../src/local/functions.ts';
import { loadQueueSettings } from '../../src/local/queue-settings.ts';
import { fixtureHandler, startTestStack, type TestStack } from '../helpers/local-stack.ts';

const settings = loadQueueSettings();
const collection = settings.collection!;
const manifest = loadFunctionManifest(settings);

type EchoResponse = {
  event: SQSEvent & Record<string, unknown>;
  env: Record<string, string>;
  invocationsInThisEnvironment: number;
  context: { functionName: string; awsRequestId: string; invokedFunctionArn: string; remainingTimeInMillis: number };
};

/** Only the telegram function (consumer of the collection queue), running a fixture instead of the bundle. */
function telegramOnly(fixture: string, extra: { timeoutSeconds?: number } = {}) {
  return { telegram: { modulePath: fixtureHandler(fixture), ...extra }, podcastfy: false, scheduler: false } as const;
}

/** Every function of terraform/functions.json running the echo fixture. */
function everyFunctionEchoing() {
  return Object.fromEntries(FUNCTION_NAMES.map((name) => [name, { modulePath: fixtureHandler('echo') }])) as Record<FunctionName, { modulePath: string }>;
}

describe('local stack: provisioning', function () {
  it('creates every queue with its DLQ and the redrive policy, visibility and retention from queue-settings.json, idempotently', async () => {
    const emulators = await startEmulators({ sqsPort: 0, dynamodbPort: 0 });
    const clients = createLocalClients(emulators.endpoints);
    try {
      const first = await provision(clients);
      const second = await provision(clients);
      expect(second).to.deep.equal(first);
      for (const [key, queue] of Object.entries(settings)) {
        const provisioned = first.queues[key]!;
        expect(provisioned.name).to.equal(queue.name);
        const { Attributes: main = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: provisioned.url, AttributeNames: ['All'] }));
        const { Attributes: dlq = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: provisioned.dlqUrl, AttributeNames: ['All'] }));
        expect(JSON.parse(main.RedrivePolicy!)).to.deep.equal({ deadLetterTargetArn: dlq.QueueArn, maxReceiveCount: queue.max_receive_count });
        expect(dlq.QueueArn).to.match(new RegExp(`:${queue.dlq_name}$`));
        expect(main.VisibilityTimeout).to.equal(String(queue.visibility_timeout_seconds));
        expect(main.MessageRetentionPeriod).to.equal(String(queue.message_retention_seconds));
        expect(dlq.MessageRetentionPeriod).to.equal(String(queue.dlq_message_retention_seconds));
      }
    } finally {
      destroyLocalClients(clients);
      await emulators.stop();
    }
  });

  it('creates the bucket and the table with the key design and the status index', async () => {
    const emulators = await startEmulators({ sqsPort: 0, dynamodbPort: 0 });
    const clients = createLocalClients(emulators.endpoints);
    try {
      const resources = await provision(clients);
      await clients.s3.send(new HeadBucketCommand({ Bucket: resources.bucket }));
      const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: resources.table }));
      expect(Table?.KeySchema).to.deep.equal([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      const index = Table?.GlobalSecondaryIndexes?.[0];
      expect(index?.IndexName).to.equal('status-index');
      expect(index?.KeySchema).to.deep.equal([
        { AttributeName: 'status', KeyType: 'HASH' },
        { AttributeName: 'updated_at', KeyType: 'RANGE' },
      ]);
      expect(index?.Projection?.ProjectionType).to.equal('ALL');
    } finally {
      destroyLocalClients(clients);
      await emulators.stop();
    }
  });

  it('applies a visibility timeout override without touching the other settings', async () => {
    const emulators = await startEmulators({ sqsPort: 0, dynamodbPort: 0 });
    const clients = createLocalClients(emulators.endpoints);
    try {
      await provision(clients);
      // Converges an existing queue too (CreateQueue alone would refuse the changed attribute).
      const resources = await provision(clients, { visibilityTimeoutSeconds: { collection: 1 } });
      const { Attributes = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: resources.queues.collection!.url, AttributeNames: ['All'] }));
      expect(Attributes.VisibilityTimeout).to.equal('1');
      expect(JSON.parse(Attributes.RedrivePolicy!).maxReceiveCount).to.equal(collection.max_receive_count);
    } finally {
      destroyLocalClients(clients);
      await emulators.stop();
    }
  });

  it('says which port is taken and how to choose others', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await startEmulators({ sqsPort: port, dynamodbPort: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(PortInUseError);
      expect((error as Error).message).to.equal(
        `port ${port} is in use — is another \`make dev\` running? set TELECAST_SQS_PORT / TELECAST_DYNAMODB_PORT`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('local stack: SQS event source mapping', function () {
  this.timeout(20_000);
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it("delivers a batch in Lambda's SQS event shape", async () => {
    stack = await startTestStack({ functions: telegramOnly('echo') });
    const queue = stack.resources.queues.collection!;
    const bodies = ['{"n":1}', '{"n":2}', '{"n":3}'];
    await stack.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: bodies.map((body, i) => ({
          Id: String(i),
          MessageBody: body,
          MessageAttributes: { trace: { DataType: 'String', StringValue: `t-${i}` } },
        })),
      }),
    );
    const reports = await stack.waitForInvocations((r) => r.reduce((n, x) => n + (x.batchSize ?? 0), 0) >= 3);
    const records = reports.flatMap((r) => (r.response as EchoResponse).event.Records);
    expect(records.map((r) => r.body).sort()).to.deep.equal(bodies);
    expect(reports.every((r) => r.batchSize! <= collection.batch_size)).to.equal(true);
    for (const record of records) {
      expect(record).to.have.all.keys(
        'messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfBody', 'md5OfMessageAttributes',
        'eventSource', 'eventSourceARN', 'awsRegion',
      );
      expect(record.eventSource).to.equal('aws:sqs');
      expect(record.eventSourceARN).to.equal(queue.arn);
      expect(record.awsRegion).to.equal('us-east-1');
      expect(record.md5OfBody).to.equal(createHash('md5').update(record.body).digest('hex'));
      expect(record.attributes.ApproximateReceiveCount).to.equal('1');
      expect(Number(record.attributes.SentTimestamp)).to.be.closeTo(Date.now(), 10_000);
      expect(record.attributes).to.include.keys('SenderId', 'ApproximateFirstReceiveTimestamp');
      const n = (JSON.parse(record.body) as { n: number }).n;
      expect(record.messageAttributes).to.deep.equal({
        trace: { stringValue: `t-${n - 1}`, stringListValues: [], binaryListValues: [], dataType: 'String' },
      });
    }
    expect((reports[0]!.response as EchoResponse).context.functionName).to.equal('telegram');
    // The echo response has no batchItemFailures: complete success, so everything was deleted.
    expect(await stack.depth(queue.url)).to.deep.equal({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('with a batching window, gathers records into one batch until it is full', async () => {
    // One poller: with several, records may split between them, as they may between Lambda's pollers.
    const windowed = { ...settings, collection: { ...collection, batch_size: 3, maximum_batching_window_seconds: 2, maximum_concurrency: 1 } };
    stack = await startTestStack({ settings: windowed, functions: telegramOnly('echo') });
    await stack.send('collection', { n: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await stack.send('collection', { n: 2 });
    await stack.send('collection', { n: 3 });
    const [report] = await stack.waitForInvocations((r) => r.length >= 1, 5000);
    expect(report!.batchSize).to.equal(3);
  });

  it('redelivers only the record the function reported in batchItemFailures', async () => {
    stack = await startTestStack({ functions: telegramOnly('scripted'), visibilityTimeoutSeconds: { collection: 1 } });
    const queue = stack.resources.queues.collection!;
    await stack.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [{ ok: 1 }, { fail: true }, { ok: 2 }].map((body, i) => ({ Id: String(i), MessageBody: JSON.stringify(body) })),
      }),
    );
    const failing = await stack.waitUntil(async () => {
      const [id] = [...stack!.deliveries()].find(([, n]) => n >= 2) ?? [];
      return id;
    }, 8000, 'a second delivery');
    const deliveries = stack.deliveries();
    expect(deliveries.size).to.equal(3);
    for (const [id, count] of deliveries) if (id !== failing) expect(count, `delivery count of ${id}`).to.equal(1);
    const first = stack.invocations.find((r) => r.records?.some((x) => x.messageId === failing))!;
    expect(first.outcome).to.equal('partial');
    expect(first.failedRecords).to.equal(1);
    const redelivery = stack.invocations.filter((r) => r.records?.some((x) => x.messageId === failing))[1]!;
    expect(redelivery.records).to.deep.equal([{ messageId: failing, receiveCount: 2 }]);
  });

  it(`moves a message that always fails to the DLQ after max_receive_count (${collection.max_receive_count}) receives`, async () => {
    stack = await startTestStack({ functions: telegramOnly('scripted'), visibilityTimeoutSeconds: { collection: 1 } });
    const queue = stack.resources.queues.collection!;
    const id = await stack.send('collection', { fail: true, label: 'poison' });
    const inDlq = await stack.waitUntil(async () => {
      const messages = await stack!.receiveAll(queue.dlqUrl);
      return messages.length ? messages : undefined;
    }, 10_000, 'the message in the DLQ');
    expect(inDlq.map((m) => m.MessageId)).to.deep.equal([id]);
    expect(JSON.parse(inDlq[0]!.Body!)).to.deep.equal({ fail: true, label: 'poison' });
    expect(stack.deliveries().get(id)).to.equal(collection.max_receive_count);
    const counts = stack.invocations.flatMap((r) => r.records ?? []).map((r) => r.receiveCount);
    expect(counts).to.deep.equal(Array.from({ length: collection.max_receive_count }, (_, i) => i + 1));
    expect(await stack.depth(queue.url)).to.deep.equal({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('redelivers the whole batch when the function throws', async () => {
    stack = await startTestStack({ functions: telegramOnly('scripted'), visibilityTimeoutSeconds: { collection: 1 } });
    const queue = stack.resources.queues.collection!;
    await stack.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [{ ok: 1 }, { throw: true }].map((body, i) => ({ Id: String(i), MessageBody: JSON.stringify(body) })),
      }),
    );
    await stack.waitForInvocations(() => stack!.deliveries().size === 2 && [...stack!.deliveries().values()].every((n) => n >= 2), 8000);
    const failed = stack.invocations[0]!;
    expect(failed.outcome).to.equal('error');
    expect(failed.error?.errorMessage).to.equal('scripted failure');
    expect(failed.deletedRecords).to.equal(0);
  });

  it('fails the whole batch when the response names a message that is not in it', async () => {
    stack = await startTestStack({ functions: telegramOnly('scripted'), visibilityTimeoutSeconds: { collection: 1 } });
    const id = await stack.send('collection', { unknownId: true });
    await stack.waitForInvocations(() => (stack!.deliveries().get(id) ?? 0) >= 2, 8000);
    expect(stack.invocations[0]!.outcome).to.equal('error');
    expect(stack.invocations[0]!.responseProblem).to.match(/not a message of this batch/);
  });

  it('terminates an invocation that exceeds the function timeout and redelivers the batch to a fresh environment', async () => {
    stack = await startTestStack({
      functions: telegramOnly('scripted', { timeoutSeconds: 1 }),
      visibilityTimeoutSeconds: { collection: 2 },
    });
    const id = await stack.send('collection', { sleepMs: 30_000 });
    await stack.waitForInvocations((r) => r.length >= 2, 10_000);
    const [first, second] = stack.invocations as [InvocationReport, InvocationReport];
    expect(first.outcome).to.equal('timeout');
    expect(first.error?.errorType).to.equal('Sandbox.Timedout');
    expect(first.error?.errorMessage).to.equal('Task timed out after 1.00 seconds');
    expect(first.durationMs).to.be.within(900, 2500);
    expect(second.records).to.deep.equal([{ messageId: id, receiveCount: 2 }]);
    expect(second.coldStart, 'the timed-out environment was replaced').to.equal(true);
  });
});

describe('local stack: function runtime', function () {
  this.timeout(20_000);
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    delete process.env.TELECAST_TEST_PARENT_ONLY;
  });

  it('gives each function exactly the configuration keys terraform/functions.json names, with their local values', async () => {
    process.env.TELECAST_TEST_PARENT_ONLY = 'must not leak';
    stack = await startTestStack({ consumers: false, functions: { ...everyFunctionEchoing(), telegram: { modulePath: fixtureHandler('echo'), env: { ONLY_TELEGRAM: 'yes' } } } });
    const seen = {} as Record<FunctionName, Record<string, string>>;
    for (const name of FUNCTION_NAMES) seen[name] = ((await stack.invoke(name, {})) as EchoResponse).env;
    const { collection: c, processing: p } = stack.resources.queues;

    const runtime = {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs,
      AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      POWERTOOLS_SERVICE_NAME: 'telecast',
    };
    for (const name of FUNCTION_NAMES) {
      expect(seen[name], name).to.include(runtime);
      expect(seen[name], name).to.include.keys('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'POWERTOOLS_LOG_LEVEL', 'AWS_LAMBDA_FUNCTION_NAME');
      expect(seen[name], name).not.to.have.property('TELECAST_TEST_PARENT_ONLY');
      const configKeys = Object.keys(seen[name]).filter((key) => Object.hasOwn(CONFIG_KEYS, key));
      expect(configKeys.sort(), name).to.deep.equal([...stack.functions[name].environment].sort());
      if (configKeys.includes('TABLE_NAME')) expect(seen[name].TABLE_NAME).to.equal(stack.resources.table);
      if (configKeys.includes('BUCKET_NAME')) expect(seen[name].BUCKET_NAME).to.equal(stack.resources.bucket);
    }
    expect(seen.telegram).to.include({ PROCESSING_QUEUE_URL: p!.url, COLLECTION_DLQ_URL: c!.dlqUrl, MAX_RECEIVE_COUNT: String(c!.settings.max_receive_count), ONLY_TELEGRAM: 'yes' });
    expect(seen.podcastfy).to.include({ PROCESSING_DLQ_URL: p!.dlqUrl, MAX_RECEIVE_COUNT: String(p!.settings.max_receive_count) });
    expect(seen.podcastfy).not.to.have.property('ONLY_TELEGRAM');
    expect(seen.scheduler).to.include({ COLLECTION_QUEUE_URL: c!.url, PROCESSING_QUEUE_URL: p!.url, COLLECTION_DLQ_URL: c!.dlqUrl, PROCESSING_DLQ_URL: p!.dlqUrl });
    expect(seen.telegram.AWS_LAMBDA_FUNCTION_NAME).to.equal('telegram');
    expect(stack.functionEnv.telegram).to.include({ ONLY_TELEGRAM: 'yes' });
  });

  it('gives the scheduler the stuck sweep default of CONFIG_KEYS and Terraform: the queues\' retry span plus 30 minutes', async () => {
    stack = await startTestStack({ consumers: false, functions: { telegram: false, podcastfy: false, scheduler: { modulePath: fixtureHandler('echo') } } });
    const { env } = (await stack.invoke('scheduler', {})) as EchoResponse;
    // terraform/modules/telecast: ceil(max(visibility x max_receive_count) / 60) + 30, over queue-settings.json.
    const retrySpanSeconds = Math.max(...Object.values(settings).map((q) => q.visibility_timeout_seconds * q.max_receive_count));
    expect(env.STUCK_AFTER_MINUTES).to.equal(String(Math.ceil(retrySpanSeconds / 60) + 30));
    expect(env.STUCK_AFTER_MINUTES).to.equal(CONFIG_KEYS.STUCK_AFTER_MINUTES.default);
  });

  it('runs each function with the timeout and memory of terraform/functions.json', async () => {
    stack = await startTestStack({ consumers: false, functions: everyFunctionEchoing() });
    for (const name of FUNCTION_NAMES) {
      const response = (await stack.invoke(name, {})) as EchoResponse;
      expect(response.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, name).to.equal(String(stack.functions[name].memory_mb));
      expect(response.context.remainingTimeInMillis, name).to.be.within((stack.functions[name].timeout_seconds - 5) * 1000, stack.functions[name].timeout_seconds * 1000);
    }
  });

  it('loads the module once per environment: a cold start, then warm invocations with a Lambda context', async () => {
    stack = await startTestStack({ consumers: false, functions: telegramOnly('echo') });
    const first = (await stack.invoke('telegram', { a: 1 })) as EchoResponse;
    const second = (await stack.invoke('telegram', { a: 2 })) as EchoResponse;
    expect([first.invocationsInThisEnvironment, second.invocationsInThisEnvironment]).to.deep.equal([1, 2]);
    expect(stack.invocations.map((r) => r.coldStart)).to.deep.equal([true, false]);
    expect(stack.invocations[0]!.initDurationMs).to.be.a('number');
    expect(second.event).to.deep.equal({ a: 2 });
    expect(second.context.invokedFunctionArn).to.equal('arn:aws:lambda:us-east-1:000000000000:function:telegram');
    expect(second.context.awsRequestId).to.equal(stack.invocations[1]!.requestId);
    expect(second.context.remainingTimeInMillis).to.be.within(1, manifest.telegram.timeout_seconds * 1000);
  });

  it('reports a failed direct invocation as an error carrying the function error', async () => {
    stack = await startTestStack({ consumers: false, functions: telegramOnly('scripted') });
    const error = await stack.invoke('telegram', { Records: [{ messageId: 'm', body: '{"throw":true}' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(LambdaInvocationError);
    expect((error as LambdaInvocationError).errorType).to.equal('Error');
    expect((error as Error).message).to.equal('telegram failed (Error): scripted failure');
    expect(stack.invocations[0]).to.include({ outcome: 'error', source: 'direct' });
  });

  it("invokes the scheduler on the schedule with the schedule's input", async () => {
    stack = await startTestStack({
      consumers: false,
      scheduleEverySeconds: 0.3,
      functions: { telegram: false, podcastfy: false, scheduler: { modulePath: fixtureHandler('echo') } },
    });
    const [report] = await stack.waitForInvocations((r) => r.length >= 1, 5000);
    expect(report!.source).to.equal('schedule');
    expect((report!.response as EchoResponse).event).to.deep.equal({ trigger: 'schedule' });
  });

  it('stop() waits for in-flight invocations', async () => {
    stack = await startTestStack({ consumers: false, functions: telegramOnly('scripted') });
    const running = stack.invoke('telegram', { Records: [{ messageId: 'm', body: '{"sleepMs":300}' }] });
    await new Promise((r) => setTimeout(r, 50));
    await stack.stop();
    expect(stack.invocations.map((r) => r.outcome)).to.deep.equal(['success']);
    expect(await running).to.deep.equal({ batchItemFailures: [] });
  });
});
