/**
 * The whole local stack in one call: emulators, resources from terraform/queue-settings.json, and the Lambda-semantics
 * runner with every function of terraform/functions.json (its timeout, memory and environment keys), one SQS event
 * source mapping per function that consumes a queue and (optionally) the schedule.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_KEYS, ENGINE_CONFIG_KEYS, ENGINE_DEFAULTS, FUNCTION_NAMES, type ConfigKey, type EngineConfigKey, type FunctionName } from '../core/config.ts';
import { createLocalClients, destroyLocalClients, LOCAL_CREDENTIALS, LOCAL_REGION, type LocalClients } from './clients.ts';
import { startEmulators, type EmulatorEndpoints, type EmulatorOptions, type Emulators } from './emulators.ts';
import { loadFunctionManifest, type FunctionManifest } from './functions.ts';
import { FaultProxy } from './fault-proxy.ts';
import { writeLocalAdminSecret } from './admin-secret-file.ts';
import { FunctionUrlServer } from './function-url.ts';
import { LambdaRunner } from './lambda-runner.ts';
import { FunctionLogFiles } from './function-logs.ts';
import { PublicServer } from './public-server.ts';
import { provision, type Resources } from './provision.ts';
import { loadQueueSettings, stuckAfterMinutesFor, type QueueSettings } from './queue-settings.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export { FUNCTION_NAMES, type FunctionName };

/** What the schedule sends the scheduler (the `input` of terraform/modules/schedule/variables.tf). */
export const SCHEDULE_INPUT = { trigger: 'schedule' } as const;

export interface FunctionOverride {
  /** Run this module instead of dist/<name>/index.mjs (tests use fixture handlers). */
  modulePath?: string;
  timeoutSeconds?: number;
  memoryMb?: number;
  /** Extra variables (or replacements) for this function only. */
  env?: Record<string, string>;
}

export interface LocalStackOptions extends EmulatorOptions {
  /** Prefix for every resource name. */
  prefix?: string;
  settings?: QueueSettings;
  /** Per queue key: visibility timeout instead of the settings' one (tests: 1–2 s). */
  visibilityTimeoutSeconds?: Partial<Record<string, number>>;
  /** Per function: an override, or `false` to leave the function (and its event source or schedule) out. */
  functions?: Partial<Record<FunctionName, FunctionOverride | false>>;
  /** Start the SQS event source mappings (default true). */
  consumers?: boolean;
  /** Invoke the scheduler every N seconds; 0 or absent: no schedule (invoke it with `invoke('scheduler', …)`). */
  scheduleEverySeconds?: number;
  /** Long-poll wait of the event source mappings (default 1 s). */
  waitTimeSeconds?: number;
  /** POWERTOOLS_LOG_LEVEL for every function (default INFO). */
  logLevel?: string;
  /** Function output: `inherit` prints it prefixed with the function name, `silent` only emits `log` events. */
  logs?: 'inherit' | 'silent';
  /** Where the public prefix (feeds, published audio) is served on loopback: a port, 0 for any (default), false for none. */
  publicPort?: number | false;
  /** Where each function's output is also appended, as <function>.log (`telecast metrics` reads it); default <dataDir>/logs. */
  logDir?: string;
  /** STUCK_AFTER_MINUTES of the scheduler; default: derived from the settings as Terraform does (stuckAfterMinutesFor). */
  stuckAfterMinutes?: number;
  /**
   * Put a fault proxy (fault-proxy.ts) between each function and each emulator, so tests and `make chaos` can make the
   * network fail under the functions: refused connections, resets, lost responses, delays, error answers, and crashes
   * of a function's environment at a chosen request. The stack's own clients (provisioning, the event source
   * mappings' pollers) talk to the emulators directly, as Lambda's pollers are not on the function's network.
   */
  faults?: { seed?: number };
  /** Where the admin function's URL listens on loopback (0: any free port; default 0). */
  adminPort?: number;
  /** The admin password (default: TELECAST_ADMIN_PASSWORD, else a generated one, returned in `admin`). */
  adminPassword?: string;
  /** Where the web preview reader reads `/s/<channel>` (default https://t.me; tests serve recorded pages). */
  telegramWebUrl?: string;
  /** The Telegram session file (`telecast telegram login` writes it); default: telegram-session.json in dataDir, else none. */
  telegramSessionFile?: string;
  /**
   * The generator's engine settings: configuration keys of the engines (OPENAI_BASE_URL, OPENAI_API_KEY_SECRET_ID, …;
   * unset ones take CONFIG_KEYS' defaults) and the AWS SDK's service endpoints (AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
   * AWS_ENDPOINT_URL_POLLY), given to podcastfy only: tests point them at local servers that speak each API.
   */
  engineEnvironment?: Record<string, string>;
}

/** A function's fault proxies: one in front of fauxqs (SQS and S3), one in front of dynalite. */
export interface FunctionFaults {
  sqs: FaultProxy;
  dynamodb: FaultProxy;
}

export interface LocalStack {
  /** With `faults`: each function's proxies, to add rules to. */
  faults: Partial<Record<FunctionName, FunctionFaults>>;
  endpoints: EmulatorEndpoints;
  ports: Emulators['ports'];
  resources: Resources;
  /** The function manifest the stack runs (terraform/functions.json). */
  functions: FunctionManifest;
  /** What the operator CLI needs (and what `make dev` prints as `export` lines). */
  env: Record<string, string>;
  /** Each function's own environment, exactly as its worker sees it (plus Lambda's reserved variables). */
  functionEnv: Partial<Record<FunctionName, Record<string, string>>>;
  /** Clients on the emulators, for tests and the demo. */
  clients: LocalClients;
  runner: LambdaRunner;
  /** Where the functions' output is kept (<function>.log), when it is. */
  logDir?: string;
  /** The public prefix served over HTTP (PUBLIC_BASE_URL of the functions and the CLI), unless publicPort is false. */
  publicUrl?: string;
  /** With the admin function: its function URL on loopback and the password of the local secret. */
  admin?: { url: string; password: string };
  /** Direct (RequestResponse) invocation of a function. */
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  /** Stops the runner (waiting for in-flight invocations), then the emulators. */
  stop(): Promise<void>;
}

/** The built bundle Lambda would run for `name`. */
export function bundlePath(name: FunctionName): string {
  return `${REPO_ROOT}dist/${name}/index.mjs`;
}

/** What every function gets besides its configuration keys: region, credentials, endpoints, Powertools settings. */
function runtimeEnv(endpoints: EmulatorEndpoints, logLevel: string): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    POWERTOOLS_SERVICE_NAME: 'telecast',
    POWERTOOLS_LOG_LEVEL: logLevel,
  };
}

/**
 * The local value of every configuration key for one function, as terraform/modules/telecast sets it on AWS; the
 * function is given only the keys its manifest entry names. MAX_RECEIVE_COUNT is the consumed queue's (none: unset).
 */
interface LocalSecrets {
  adminSecretId?: string;
  /** Engine configuration keys set for this stack (the rest take their defaults). */
  engines: Record<string, string>;
  telegramWebUrl: string;
  /** `file:<path>`, or empty for no session. */
  telegramSessionSecretId: string;
  /** Where the local stack serves the public prefix (PUBLIC_BASE_URL); empty: publishing off. */
  publicBaseUrl?: string;
}

function configValues(resources: Resources, consumes: string | null, stuckAfterMinutes: number, secrets: LocalSecrets): Record<ConfigKey, string | undefined> {
  const { collection, processing } = resources.queues;
  if (!collection || !processing) throw new Error('queue-settings.json must define the "collection" and "processing" queues');
  const consumed = consumes === null ? undefined : resources.queues[consumes];
  return {
    TABLE_NAME: resources.table,
    BUCKET_NAME: resources.bucket,
    COLLECTION_QUEUE_URL: collection.url,
    PROCESSING_QUEUE_URL: processing.url,
    COLLECTION_DLQ_URL: collection.dlqUrl,
    PROCESSING_DLQ_URL: processing.dlqUrl,
    MAX_RECEIVE_COUNT: consumed && String(consumed.settings.max_receive_count),
    STUCK_AFTER_MINUTES: String(stuckAfterMinutes),
    STALLED_MARGIN_HOURS: CONFIG_KEYS.STALLED_MARGIN_HOURS.default,
    PUBLIC_BASE_URL: secrets.publicBaseUrl ?? '',
    ADMIN_SECRET_ID: secrets.adminSecretId,
    TELEGRAM_WEB_URL: secrets.telegramWebUrl,
    TELEGRAM_SESSION_SECRET_ID: secrets.telegramSessionSecretId,
    ...engineValues(secrets.engines),
  };
}

/** The engines' configuration keys: what the stack was given, else CONFIG_KEYS' defaults (as Terraform's variables). */
function engineValues(given: Record<string, string>): Record<EngineConfigKey, string> {
  return Object.fromEntries(ENGINE_CONFIG_KEYS.map((key) => [key, given[key] ?? ENGINE_DEFAULTS[key]])) as Record<EngineConfigKey, string>;
}

/** Each function's variables: its manifest keys and the runtime's; plus what the operator CLI needs. */
function environments(
  endpoints: EmulatorEndpoints,
  resources: Resources,
  manifest: FunctionManifest,
  settings: QueueSettings,
  options: LocalStackOptions,
  adminSecretId: string | undefined,
  publicBaseUrl: string | undefined,
): { cli: Record<string, string>; functions: Partial<Record<FunctionName, Record<string, string>>> } {
  const runtime = runtimeEnv(endpoints, options.logLevel ?? 'INFO');
  const enabledNames = FUNCTION_NAMES.filter((name) => options.functions?.[name] !== false);
  // From the settings, not the provisioned (possibly overridden) visibility timeouts: the same figure as on AWS.
  const stuckAfterMinutes = options.stuckAfterMinutes ?? stuckAfterMinutesFor(settings);
  const sessionFile = options.telegramSessionFile ?? (options.dataDir ? join(options.dataDir, 'telegram-session.json') : undefined);
  const secrets: LocalSecrets = {
    adminSecretId,
    engines: options.engineEnvironment ?? {},
    telegramWebUrl: options.telegramWebUrl ?? 'https://t.me',
    telegramSessionSecretId: sessionFile ? `file:${sessionFile}` : '',
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
  };
  const functionEnv = (name: FunctionName): Record<string, string> => {
    const values = configValues(resources, manifest[name].consumes, stuckAfterMinutes, secrets);
    const env = { ...runtime };
    for (const key of manifest[name].environment) {
      const value = values[key];
      if (value === undefined) throw new Error(`terraform/functions.json gives ${name} ${key}, which has no value for it locally`);
      env[key] = value;
    }
    if (name === 'podcastfy') {
      // The SDK's own endpoint variables (not configuration keys): Bedrock Runtime and Polly at local servers.
      for (const [key, value] of Object.entries(options.engineEnvironment ?? {})) if (key.startsWith('AWS_ENDPOINT_URL_')) env[key] = value;
    }
    return env;
  };
  const cliKeys = [
    'TABLE_NAME',
    'BUCKET_NAME',
    'COLLECTION_QUEUE_URL',
    'PROCESSING_QUEUE_URL',
    'COLLECTION_DLQ_URL',
    'PROCESSING_DLQ_URL',
    'TELEGRAM_WEB_URL',
    'TELEGRAM_SESSION_SECRET_ID',
    'PUBLIC_BASE_URL',
  ] as const;
  const cliValues = configValues(resources, null, stuckAfterMinutes, secrets);
  return {
    cli: { ...runtime, ...Object.fromEntries(cliKeys.map((key) => [key, cliValues[key]!])) },
    functions: Object.fromEntries(enabledNames.map((name) => [name, functionEnv(name)])),
  };
}

async function startFaultProxies(endpoints: EmulatorEndpoints, seed: number | undefined, onCrash: () => Promise<unknown>): Promise<FunctionFaults> {
  const sqs = new FaultProxy({ upstream: endpoints.sqs, seed: seed ?? 1, onCrash });
  const dynamodb = new FaultProxy({ upstream: endpoints.dynamodb, seed: (seed ?? 1) + 1, onCrash });
  await Promise.all([sqs.start(), dynamodb.start()]);
  return { sqs, dynamodb };
}

/**
 * A function's environment with every emulator origin replaced by its proxy's: the endpoints, and the queue URLs too,
 * since the SQS client sends to a queue URL's host when its endpoint comes from the environment.
 */
function throughProxies(env: Record<string, string>, endpoints: EmulatorEndpoints, proxies: FunctionFaults): Record<string, string> {
  const swap = (value: string) => value.split(endpoints.sqs).join(proxies.sqs.endpoint).split(endpoints.dynamodb).join(proxies.dynamodb.endpoint);
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, swap(v)]));
}

/** Starts everything; on any failure, stops what was started and rethrows. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const settings = options.settings ?? loadQueueSettings();
  const manifest = loadFunctionManifest(settings);
  const enabled = FUNCTION_NAMES.filter((name) => options.functions?.[name] !== false);
  const modulePaths = Object.fromEntries(
    enabled.map((name) => [name, (options.functions?.[name] || undefined)?.modulePath ?? bundlePath(name)]),
  ) as Record<FunctionName, string>;
  const missing = enabled.filter((name) => !existsSync(modulePaths[name]));
  if (missing.length) {
    throw new Error(`missing function code: ${missing.map((n) => modulePaths[n]).join(', ')} — run \`make build\` first`);
  }

  const emulators = await startEmulators(options);
  const clients = createLocalClients(emulators.endpoints);
  let runner: LambdaRunner | undefined;
  let functionUrl: FunctionUrlServer | undefined;
  let logFiles: FunctionLogFiles | undefined;
  let publicServer: PublicServer | undefined;
  let tempDir: string | undefined;
  const removeTemp = () => (tempDir ? rm(tempDir, { recursive: true, force: true }) : Promise.resolve());
  const faults: Partial<Record<FunctionName, FunctionFaults>> = {};
  const stopFaults = () => Promise.all(Object.values(faults).flatMap((f) => [f.sqs.stop(), f.dynamodb.stop()]));
  try {
    const resources = await provision(clients, {
      settings,
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      ...(options.visibilityTimeoutSeconds ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds } : {}),
    });
    const adminSecret = enabled.includes('admin')
      ? await writeLocalAdminSecret(
          join(options.dataDir ?? (tempDir = await mkdtemp(join(tmpdir(), 'telecast-admin-'))), 'admin-secret.json'),
          options.adminPassword ?? (process.env.TELECAST_ADMIN_PASSWORD || undefined),
        )
      : undefined;
    if (options.publicPort !== false) {
      publicServer = new PublicServer({ s3: clients.s3, bucket: resources.bucket, port: options.publicPort ?? 0 });
      await publicServer.start();
    }
    const env = environments(emulators.endpoints, resources, manifest, settings, options, adminSecret?.secretId, publicServer?.url);
    const functionEnv: LocalStack['functionEnv'] = {};
    runner = new LambdaRunner({ sqs: clients.sqs, region: LOCAL_REGION, logs: options.logs ?? 'inherit' });
    const logDir = options.logDir ?? (options.dataDir ? join(options.dataDir, 'logs') : undefined);
    logFiles = logDir ? new FunctionLogFiles(logDir) : undefined;
    const keptLogs = logFiles;
    if (keptLogs) runner.on('log', ({ functionName, line }) => keptLogs.write(functionName, line));
    const crashRunner = runner;
    for (const name of options.faults ? enabled : []) {
      faults[name] = await startFaultProxies(emulators.endpoints, options.faults!.seed, () => crashRunner.crash(name));
    }
    for (const name of enabled) {
      const override = options.functions?.[name] || {};
      const proxied = faults[name];
      const own = env.functions[name]!;
      functionEnv[name] = { ...(proxied ? throughProxies(own, emulators.endpoints, proxied) : own), ...override.env };
      runner.addFunction({
        name,
        modulePath: modulePaths[name],
        env: functionEnv[name],
        timeoutSeconds: override.timeoutSeconds ?? manifest[name].timeout_seconds,
        memoryMb: override.memoryMb ?? manifest[name].memory_mb,
      });
    }
    if (options.consumers !== false) {
      for (const name of enabled) {
        const queue = manifest[name].consumes === null ? undefined : resources.queues[manifest[name].consumes];
        if (!queue) continue;
        runner.addEventSource({
          functionName: name,
          queueUrl: queue.url,
          queueArn: queue.arn,
          batchSize: queue.settings.batch_size,
          maximumBatchingWindowSeconds: queue.settings.maximum_batching_window_seconds,
          maximumConcurrency: queue.settings.maximum_concurrency,
          ...(options.waitTimeSeconds !== undefined ? { waitTimeSeconds: options.waitTimeSeconds } : {}),
        });
      }
    }
    if (options.scheduleEverySeconds && enabled.includes('scheduler')) {
      runner.addSchedule({
        functionName: 'scheduler',
        everySeconds: options.scheduleEverySeconds,
        name: 'telecast-local-schedule',
        // EventBridge Scheduler delivers the target's `input` verbatim; this is terraform/modules/schedule's default.
        event: () => SCHEDULE_INPUT,
      });
    }
    if (adminSecret) {
      functionUrl = new FunctionUrlServer({ runner, functionName: 'admin', port: options.adminPort ?? 0 });
      await functionUrl.start();
    }
    const activeRunner = runner;
    const activeUrl = functionUrl;
    let stopped: Promise<void> | undefined;
    return {
      endpoints: emulators.endpoints,
      ports: emulators.ports,
      resources,
      functions: manifest,
      env: env.cli,
      functionEnv,
      clients,
      runner: activeRunner,
      ...(keptLogs ? { logDir: keptLogs.dir } : {}),
      ...(publicServer ? { publicUrl: publicServer.url } : {}),
      faults,
      ...(activeUrl && adminSecret ? { admin: { url: activeUrl.url, password: adminSecret.password } } : {}),
      invoke: (name, event) => activeRunner.invoke(name, event),
      stop() {
        stopped ??= (async () => {
          await activeUrl?.stop();
          await activeRunner.stop();
          await keptLogs?.close();
          await publicServer?.stop();
          await stopFaults();
          destroyLocalClients(clients);
          await emulators.stop();
          await removeTemp();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await functionUrl?.stop().catch(() => undefined);
    await runner?.stop().catch(() => undefined);
    await logFiles?.close().catch(() => undefined);
    await publicServer?.stop().catch(() => undefined);
    await removeTemp().catch(() => undefined);
    await stopFaults().catch(() => undefined);
    destroyLocalClients(clients);
    await emulators.stop().catch(() => undefined);
    throw error;
  }
}
