// The SQS DeadLetterQueue adapter against the embedded SQS emulator (fauxqs), real SDK over HTTP, nothing mocked.
// fauxqs has no StartMessageMoveTask, so redriving everything takes the receive/send/delete path, as it does locally.
import { expect } from 'chai';
import { CreateQueueCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { SqsDeadLetterQueue } from '../../src/adapters/sqs-dead-letter-queue.ts';
import { SqsQueue, sendToDeadLetterQueue } from '../../src/adapters/sqs-queue.ts';
import { collectionRequestFor } from '../../src/core/handoff.ts';
import { createLocalClients, destroyLocalClients, type LocalClients } from '../../src/local/clients.ts';
import { startEmulators, type Emulators } from '../../src/local/emulators.ts';
import { episode } from '../helpers/factories.ts';

describe('SQS dead-letter queue adapter on the emulator', function () {
  this.timeout(60_000);
  let emulators: Emulators;
  let clients: LocalClients;
  let seq = 0;

  before(async () => {
    emulators = await startEmulators({ sqsPort: 0, dynamodbPort: 0 });
    clients = createLocalClients(emulators.endpoints);
  });
  after(async () => {
    if (clients) destroyLocalClients(clients);
    await emulators?.stop();
  });

  /** A fresh source queue and DLQ per test, so no test sees another's letters. */
  async function queuePair(): Promise<{ source: string; dlq: string }> {
    const name = `dlq-test-${++seq}`;
    const create = async (n: string) => (await clients.sqs.send(new CreateQueueCommand({ QueueName: n }))).QueueUrl!;
    return { source: await create(name), dlq: await create(`${name}-dlq`) };
  }

  /** Every message visible in the queue now (each receive holds what it got, so a message is read once). */
  async function visible(url: string): Promise<Message[]> {
    const all: Message[] = [];
    for (;;) {
      const out = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30, MessageAttributeNames: ['All'] }),
      );
      if (!out.Messages?.length) return all;
      all.push(...out.Messages);
    }
  }

  const mine = episode({}, new Date('2026-11-29T07:00:00.000Z'));
  const others = [episode({}, new Date('2026-11-28T07:00:00.000Z')), episode({}, new Date('2026-11-27T07:00:00.000Z'))];
  const bodyOf = (e: typeof mine) => JSON.stringify(collectionRequestFor(e, 'manual'));

  it('selective redrive moves only the matching letter to the source queue and leaves the others in the DLQ, visible at once', async () => {
    const urls = await queuePair();
    const queue = new SqsQueue(clients.sqs);
    for (const e of [others[0]!, mine, others[1]!]) await queue.send(urls.dlq, bodyOf(e));
    await queue.send(urls.dlq, 'not json');

    const moved = await new SqsDeadLetterQueue(clients.sqs, urls).redriveMatching((l) => l.body === bodyOf(mine));

    expect(moved).to.equal(1);
    expect((await visible(urls.source)).map((m) => m.Body)).to.deep.equal([bodyOf(mine)]);
    expect((await visible(urls.dlq)).map((m) => m.Body).sort(), 'visible again without waiting out a timeout').to.deep.equal(
      [bodyOf(others[0]!), bodyOf(others[1]!), 'not json'].sort(),
    );
  });

  it('selective discard deletes only the matching letters, moves nothing to the source queue, and leaves the others visible at once', async () => {
    const urls = await queuePair();
    const queue = new SqsQueue(clients.sqs);
    for (const e of [others[0]!, mine, others[1]!, mine]) await queue.send(urls.dlq, bodyOf(e));
    await queue.send(urls.dlq, 'not json');

    const discarded = await new SqsDeadLetterQueue(clients.sqs, urls).discardMatching((l) => l.body === bodyOf(mine));

    expect(discarded).to.equal(2);
    expect(await visible(urls.source), 'nothing redriven').to.deep.equal([]);
    expect((await visible(urls.dlq)).map((m) => m.Body).sort(), 'visible again without waiting out a timeout').to.deep.equal(
      [bodyOf(others[0]!), bodyOf(others[1]!), 'not json'].sort(),
    );
  });

  it('inspect lists every letter with the reason the consumer gave and leaves them all in the DLQ', async () => {
    const urls = await queuePair();
    const queue = new SqsQueue(clients.sqs);
    await sendToDeadLetterQueue(queue, urls.dlq, {
      body: bodyOf(mine),
      messageId: 'source-1',
      sourceQueue: 'telegram-collection-queue',
      receiveCount: 1,
      reason: 'NotFoundError: unknown podcast "tech-pulse"',
      errorName: 'NotFoundError',
      stage: 'collecting',
    });
    await queue.send(urls.dlq, bodyOf(others[0]!));

    const letters = await new SqsDeadLetterQueue(clients.sqs, urls).inspect();
    expect(letters.map((l) => [l.body, l.reason, l.stage, l.sourceMessageId]).sort()).to.deep.equal(
      [
        [bodyOf(mine), 'NotFoundError: unknown podcast "tech-pulse"', 'collecting', 'source-1'],
        [bodyOf(others[0]!), undefined, undefined, undefined],
      ].sort(),
    );
    expect(await visible(urls.dlq)).to.have.length(2);
  });

  it('redriving everything where there is no StartMessageMoveTask moves each letter back without its telecast-* reasons', async () => {
    const urls = await queuePair();
    const queue = new SqsQueue(clients.sqs);
    for (const e of [mine, ...others]) {
      await sendToDeadLetterQueue(queue, urls.dlq, {
        body: bodyOf(e),
        messageId: e.episode_id,
        sourceQueue: 'telegram-collection-queue',
        receiveCount: 1,
        reason: 'ValidationError: bad',
        errorName: 'ValidationError',
        stage: 'collecting',
      });
    }

    expect(await new SqsDeadLetterQueue(clients.sqs, urls).redriveAll()).to.deep.equal({ method: 'manual', moved: 3 });
    const back = await visible(urls.source);
    expect(back.map((m) => m.Body).sort()).to.deep.equal([mine, ...others].map(bodyOf).sort());
    expect(back.flatMap((m) => Object.keys(m.MessageAttributes ?? {}))).to.deep.equal([]);
    expect(await visible(urls.dlq)).to.deep.equal([]);
  });
});
