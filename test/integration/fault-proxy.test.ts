import { expect } from 'chai';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/local/clients.ts';
import { startEmulators, type Emulators } from '../../src/local/emulators.ts';
import { FaultProxy, action, seededRandom } from '../../src/local/fault-proxy.ts';

describe('the fault proxy in front of an emulator', function () {
  this.timeout(30_000);
  let emulators: Emulators;
  let proxy: FaultProxy;
  let client: DynamoDBClient;
  before(async () => {
    emulators = await startEmulators({ sqsPort: 0, dynamodbPort: 0 });
  });
  beforeEach(async () => {
    proxy = new FaultProxy({ upstream: emulators.endpoints.dynamodb, seed: 7 });
    await proxy.start();
    client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: proxy.endpoint, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await proxy.stop();
  });
  after(() => emulators?.stop());

  it('passes requests through untouched when no rule matches', async () => {
    const out = await client.send(new ListTablesCommand({}));
    expect(out.TableNames).to.be.an('array');
    expect(proxy.seen.get('ListTables')).to.equal(1);
  });

  it('resets a matching request as many times as the rule says, then lets it through', async () => {
    proxy.add({ name: 'reset list', match: action('ListTables'), fault: { kind: 'reset' }, times: 1 });
    const first = await client.send(new ListTablesCommand({})).then(() => 'ok', (e: Error) => e.message);
    expect(first).to.not.equal('ok');
    expect(await client.send(new ListTablesCommand({})).then(() => 'ok')).to.equal('ok');
    expect(proxy.injected.get('reset list')).to.equal(1);
  });

  it('answers a chosen error status without forwarding', async () => {
    proxy.add({ name: 'throttle', match: action('ListTables'), fault: { kind: 'status', status: 400, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' }) } });
    const error = await client.send(new ListTablesCommand({})).then(() => undefined, (e: Error) => e);
    expect(error?.name).to.equal('ThrottlingException');
  });

  it('refuses connections until started again on the same port', async () => {
    const endpoint = proxy.endpoint;
    await proxy.refuse();
    const error = await client.send(new ListTablesCommand({})).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(error?.code ?? error?.name).to.match(/ECONNREFUSED/);
    await proxy.start();
    expect(proxy.endpoint).to.equal(endpoint);
    expect(await client.send(new ListTablesCommand({})).then(() => 'ok')).to.equal('ok');
  });

  it('draws the same faults from the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).to.deep.equal(first);
    expect(new Set(first).size).to.equal(5);
  });
});
