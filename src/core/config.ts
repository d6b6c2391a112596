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
  // Hours past the longest enabled podcast frequency without a completed episode before the stalled alarm fires
  // (the scheduler's CompletionExpectedHours metric; Terraform var.stalled_margin_hours).
  STALLED_MARGIN_HOURS: { kind: 'int', default: '6', min: 1 },
  // The admin's password hash and session key: a Secrets Manager secret id on AWS, `file:<absolute path>` locally.
  ADMIN_SECRET_ID: { kind: 'string' },
  // Where channels' public web previews are read (https://t.me; the local stack serves its own).
  TELEGRAM_WEB_URL: { kind: 'url', default: 'https://t.me' },
  // The Telegram user session (MTProto reader): a Secrets Manager secret id on AWS, `file:<absolute path>` locally,
  // empty when no session is configured (channels are then read from exports and web previews).
  TELEGRAM_SESSION_SECRET_ID: { kind: 'string', default: '' },
  // Engines (docs/architecture.md "Engines"). A key is a secret reference (src/adapters/engine-secrets.ts): a Secrets
  // Manager secret id or ARN, `ssm:<parameter name>`, or `file:<absolute path>` locally; empty: that engine has no key.
  BEDROCK_MODEL_ID: { kind: 'string', default: 'amazon.nova-lite-v1:0' },
  OPENAI_BASE_URL: { kind: 'url', default: 'https://api.openai.com/v1' },
  OPENAI_MODEL: { kind: 'string', default: 'gpt-4o-mini' },
  OPENAI_TTS_MODEL: { kind: 'string', default: 'gpt-4o-mini-tts' },
  OPENAI_API_KEY_SECRET_ID: { kind: 'string', default: '' },
  GEMINI_BASE_URL: { kind: 'url', default: 'https://generativelanguage.googleapis.com' },
  GEMINI_MODEL: { kind: 'string', default: 'gemini-2.5-flash' },
  GEMINI_TTS_MODEL: { kind: 'string', default: 'gemini-2.5-flash-preview-tts' },
  GEMINI_API_KEY_SECRET_ID: { kind: 'string', default: '' },
  ELEVENLABS_BASE_URL: { kind: 'url', default: 'https://api.elevenlabs.io' },
  ELEVENLABS_MODEL: { kind: 'string', default: 'eleven_multilingual_v2' },
  ELEVENLABS_API_KEY_SECRET_ID: { kind: 'string', default: '' },
  // Where the public feeds are served (the CloudFront distribution's https://<domain>, or the local stack's server);
  // empty: nothing can be published (publish refuses, naming this key).
  PUBLIC_BASE_URL: { kind: 'string', default: '' },
  // Turns a network voice engine synthesises at once; 0: the engine's own default (VOICE_ENGINE_SPECS concurrency).
  SYNTHESIS_CONCURRENCY: { kind: 'int', default: '0', min: 0 },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** The engines' keys: every one has a default, so a deployment names only the engines it uses. */
export const ENGINE_CONFIG_KEYS = [
  'BEDROCK_MODEL_ID',
  'OPENAI_BASE_URL',
  'OPENAI_MODEL',
  'OPENAI_TTS_MODEL',
  'OPENAI_API_KEY_SECRET_ID',
  'GEMINI_BASE_URL',
  'GEMINI_MODEL',
  'GEMINI_TTS_MODEL',
  'GEMINI_API_KEY_SECRET_ID',
  'ELEVENLABS_BASE_URL',
  'ELEVENLABS_MODEL',
  'ELEVENLABS_API_KEY_SECRET_ID',
  'SYNTHESIS_CONCURRENCY',
] as const satisfies readonly ConfigKey[];
export type EngineConfigKey = (typeof ENGINE_CONFIG_KEYS)[number];

/** Every engine key at its default: no engine but the offline ones has what it needs (tests, benches, the demo). */
export const ENGINE_DEFAULTS = Object.freeze(
  Object.fromEntries(ENGINE_CONFIG_KEYS.map((key) => [key, CONFIG_KEYS[key].default])) as Record<EngineConfigKey, string>,
);
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
