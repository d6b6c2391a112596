/**
 * The embedded AWS emulators: fauxqs (SQS and S3 on one port) and dynalite (DynamoDB), in this process, listening on
 * loopback only. Nothing here knows about Telecast's resources; provision.ts creates those.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import dynalite from 'dynalite';

export interface EmulatorOptions {
  /** Interface to listen on; loopback by default so nothing is exposed to the network. */
  host?: string;
  /** fauxqs port (SQS and S3); 0 picks a free one. */
  sqsPort?: number;
  /** dynalite port; 0 picks a free one. */
  dynamodbPort?: number;
  /**
   * Keep the emulators' data in this folder across restarts (fauxqs: SQLite under `fauxqs/`; dynalite: LevelDB under
   * `dynamodb/`). Absent: in memory, gone when the stack stops.
   */
  dataDir?: string;
}

export interface EmulatorEndpoints {
  sqs: string;
  s3: string;
  dynamodb: string;
}

export interface Emulators {
  endpoints: EmulatorEndpoints;
  ports: { sqs: number; dynamodb: number };
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  readonly port: number;
  constructor(port: number, cause: unknown) {
    super(
      `port ${port} is in use — is another \`make dev\` running? set TELECAST_SQS_PORT / TELECAST_DYNAMODB_PORT`,
      { cause },
    );
    this.name = 'PortInUseError';
    this.port = port;
  }
}

interface FauxqsApp {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * fauxqs's `startFauxqs` always binds 0.0.0.0 and its SQS store names queues `http://sqs.<region>.localhost:<port>/…`,
 * a host that does not resolve on every machine (glibc without systemd-resolved, for one); the SDK's SQS client then
 * sends to that host whenever its endpoint came from AWS_ENDPOINT_URL_SQS rather than the constructor. So we build the
 * app ourselves from its stores (not in its package exports: the version is pinned exactly in package.json), bind
 * loopback, and clear the store's `host` so queue URLs use the request's own Host: `http://127.0.0.1:<port>/000000000000/<name>`,
 * the same origin as the endpoint.
 */
async function buildFauxqs(dataDir: string | undefined): Promise<FauxqsApp> {
  silenceSqliteWarning();
  const { buildApp } = await import('fauxqs');
  const entry = pathToFileURL(join(fauxqsPackageDir(), 'dist', 'app.js'));
  const load = async <T>(path: string, name: string): Promise<new (...args: string[]) => T> =>
    ((await import(new URL(path, entry).href)) as Record<string, new (...args: string[]) => T>)[name]!;
  const SqsStore = await load<{ host: string }>('./sqs/sqsStore.js', 'SqsStore');
  const SnsStore = await load<object>('./sns/snsStore.js', 'SnsStore');
  const S3Store = await load<object>('./s3/s3Store.js', 'S3Store');
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  const stores = { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
  if (dataDir) await persist(stores, dataDir, (path, name) => load(path, name));
  return buildApp({ logger: false, stores: stores as unknown as NonNullable<import('fauxqs').BuildAppOptions['stores']> });
}

interface Persistence {
  load(sqs: unknown, sns: unknown, s3: unknown): void;
}
type PersistedStore = { persistence?: Persistence; allQueues?: () => Array<{ persistence?: Persistence }> };

/**
 * fauxqs's own persistence (what `startFauxqs({ dataDir })` does, wired here because we build the app from its stores):
 * the saved state is loaded before the stores get the manager, so loading does not write it back.
 */
async function persist(
  stores: Record<'sqsStore' | 'snsStore' | 's3Store', object>,
  dataDir: string,
  load: <T>(path: string, name: string) => Promise<new (dir: string) => T>,
): Promise<void> {
  const dir = join(dataDir, 'fauxqs');
  mkdirSync(dir, { recursive: true });
  const PersistenceManager = await load<Persistence>('./persistence.js', 'PersistenceManager');
  const manager = new PersistenceManager(dir);
  manager.load(stores.sqsStore, stores.snsStore, stores.s3Store);
  for (const store of Object.values(stores) as PersistedStore[]) store.persistence = manager;
  for (const queue of (stores.sqsStore as PersistedStore).allQueues?.() ?? []) queue.persistence = manager;
}

/** node_modules/fauxqs, found the way Node resolves packages (import.meta.resolve is not there under every loader). */
function fauxqsPackageDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'fauxqs');
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error('fauxqs is not installed (npm ci)');
  }
}

let sqliteWarningSilenced = false;
/** fauxqs imports node:sqlite (for its optional persistence, unused here); Node 22 warns that it is experimental. */
function silenceSqliteWarning(): void {
  if (sqliteWarningSilenced) return;
  sqliteWarningSilenced = true;
  const original = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
    if (text.includes('SQLite is an experimental feature')) return;
    original(warning, ...rest);
  }) as typeof process.emitWarning;
}

function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

function listenDynalite(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => reject(isAddressInUse(error) ? new PortInUseError(port, error) : error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeDynalite(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // SDK clients keep connections alive; without this close() would wait for them to time out.
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

/** Starts fauxqs and dynalite; ports 0 pick free ones, and `endpoints`/`ports` report what was bound. */
export async function startEmulators({ host = '127.0.0.1', sqsPort = 4566, dynamodbPort = 4567, dataDir }: EmulatorOptions = {}): Promise<Emulators> {
  const fauxqs = await buildFauxqs(dataDir);
  let boundSqsPort: number;
  try {
    boundSqsPort = Number(new URL(await fauxqs.listen({ port: sqsPort, host })).port);
  } catch (error) {
    await fauxqs.close().catch(() => undefined);
    throw isAddressInUse(error) ? new PortInUseError(sqsPort, error) : error;
  }

  // createTableMs 0: tables are ACTIVE as soon as CreateTable returns, so provisioning need not wait.
  const dynamoPath = dataDir ? join(dataDir, 'dynamodb') : undefined;
  if (dynamoPath) mkdirSync(dynamoPath, { recursive: true });
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dynamoPath ? { path: dynamoPath } : {}) });
  let boundDynamoPort: number;
  try {
    boundDynamoPort = await listenDynalite(dynamo, dynamodbPort, host);
  } catch (error) {
    await fauxqs.close().catch(() => undefined);
    throw error;
  }

  const sqs = urlFor(host, boundSqsPort);
  let stopped: Promise<void> | undefined;
  return {
    endpoints: { sqs, s3: sqs, dynamodb: urlFor(host, boundDynamoPort) },
    ports: { sqs: boundSqsPort, dynamodb: boundDynamoPort },
    stop() {
      stopped ??= Promise.all([fauxqs.close(), closeDynalite(dynamo)]).then(() => undefined);
      return stopped;
    },
  };
}
