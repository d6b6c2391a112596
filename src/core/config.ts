/**
 * Handler configuration from environment variables, parsed and validated once at cold start: fail fast and name
 * every bad key at once (docs/architecture.md "Runtime and configuration"). Pure: the caller passes `process.env`.
 */
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
  // Default: the processing queue's 5400 s visibility x 3 receives, plus 30 min (Terraform derives the same).
  STUCK_AFTER_MINUTES: { kind: 'int', default: '300', min: 5 },
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
