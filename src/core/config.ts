/**
 * Handler configuration from environment variables, parsed and validated once at cold start: fail fast and name
 * every bad key at once. Which keys a function gets is terraform/functions.json's to say (Terraform and the local stack
 * set exactly those); a handler reads them with readFunctionConfig. Pure: the caller passes `process.env`.
 */
import manifest from '../../terraform/functions.json' with { type: 'json' };
import { ConfigError } from './errors.ts';

type Kind = 'url' | 'string' | 'int';
interface KeySpec {
  kind: Kind;
  optional?: boolean;
  default?: string;
  min?: number;
}

export const CONFIG_KEYS = {
  TABLE_NAME: { kind: 'string' },
  BUCKET_NAME: { kind: 'string' },
  COLLECTION_QUEUE_URL: { kind: 'url' },
  PROCESSING_QUEUE_URL: { kind: 'url' },
  COLLECTION_DLQ_URL: { kind: 'url' },
  PROCESSING_DLQ_URL: { kind: 'url' },
  MAX_RECEIVE_COUNT: { kind: 'int', default: '3', min: 1 },
  // Default: the processing queue's 5400 s visibility x 3 receives, plus 30 min. Terraform and the local stack derive
  // it from queue-settings.json (stuckAfterMinutesFor in src/local/queue-settings.ts); tests check the three agree.
  STUCK_AFTER_MINUTES: { kind: 'int', default: '300', min: 5 },
  // The admin's password hash and session key: a Secrets Manager secret id on AWS, `file:<absolute path>` locally.
  ADMIN_SECRET_ID: { kind: 'string' },
  // Where channels' public web previews are read (https://t.me; the local stack serves its own).
  TELEGRAM_WEB_URL: { kind: 'url', default: 'https://t.me' },
  // The Telegram user session (MTProto reader): a Secrets Manager secret id on AWS, `file:<absolute path>` locally,
  // empty when no session is configured (channels are then read from exports and web previews).
  TELEGRAM_SESSION_SECRET_ID: { kind: 'string', default: '' },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
type ValueOf<K extends ConfigKey> = (typeof CONFIG_KEYS)[K]['kind'] extends 'int' ? number : string;
export type Config<K extends ConfigKey> = Readonly<{ [P in K]: ValueOf<P> }>;

/** Reads exactly `keys` from `env`; throws one ConfigError listing every missing or malformed key. */
export function readConfig<K extends ConfigKey>(env: Record<string, string | undefined>, keys: readonly K[]): Config<K> {
  const problems: string[] = [];
  const out: Record<string, string | number> = {};
  for (const key of keys) {
    const spec: KeySpec = CONFIG_KEYS[key];
    const raw = env[key]?.trim() || spec.default;
    if (raw === undefined) {
      problems.push(`${key} is not set`);
      continue;
    }
    if (spec.kind === 'url') {
      if (!URL.canParse(raw)) problems.push(`${key} is not a URL: "${raw}"`);
      else out[key] = raw;
    } else if (spec.kind === 'int') {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < (spec.min ?? 0)) problems.push(`${key} must be an integer >= ${spec.min ?? 0}, got "${raw}"`);
      else out[key] = n;
    } else {
      out[key] = raw;
    }
  }
  if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return Object.freeze(out) as Config<K>;
}

/** A function of terraform/functions.json: the name its handler file, its bundle and its Terraform instance share. */
export type FunctionName = keyof typeof manifest.functions;
export const FUNCTION_NAMES = Object.keys(manifest.functions) as FunctionName[];

/** What readFunctionConfig needs of terraform/functions.json (tests pass their own). */
export type FunctionEnvironments = Readonly<Record<string, { readonly environment: readonly string[] }>>;

/** The keys terraform/functions.json gives `name`; a ConfigError names any that CONFIG_KEYS does not define. */
export function functionConfigKeys(name: FunctionName, functions: FunctionEnvironments = manifest.functions): ConfigKey[] {
  const keys = functions[name]?.environment ?? [];
  const unknown = keys.filter((key) => !Object.hasOwn(CONFIG_KEYS, key));
  if (unknown.length) {
    throw new ConfigError(`terraform/functions.json gives ${name} ${unknown.join(', ')}, which CONFIG_KEYS (src/core/config.ts) does not define`);
  }
  return keys as ConfigKey[];
}

/**
 * Reads every key terraform/functions.json gives `name` (one ConfigError names every bad one). Reading any other key
 * throws as well: no deployment sets it, so a default would silently stand in for a value nobody configured.
 */
export function readFunctionConfig(
  name: FunctionName,
  env: Record<string, string | undefined>,
  functions: FunctionEnvironments = manifest.functions,
): Config<ConfigKey> {
  const keys = functionConfigKeys(name, functions);
  const config: Record<string, unknown> = { ...readConfig(env, keys) };
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    if (keys.includes(key)) continue;
    Object.defineProperty(config, key, {
      enumerable: false,
      get() {
        throw new ConfigError(`${name} reads ${key}, which terraform/functions.json does not give it`);
      },
    });
  }
  return Object.freeze(config) as Config<ConfigKey>;
}
