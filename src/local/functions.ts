/**
 * Reads terraform/functions.json, the one home of the Lambda functions (Terraform reads the same file with
 * jsondecode): the local stack runs each function with its timeout, memory and environment keys, and polls the queue it
 * consumes. Checked against CONFIG_KEYS and queue-settings.json, every problem named at once.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_KEYS, type ConfigKey, type FunctionName } from '../core/config.ts';
import type { QueueSettings } from './queue-settings.ts';

export const FUNCTIONS_PATH = fileURLToPath(new URL('../../terraform/functions.json', import.meta.url));

export interface FunctionSpec {
  description: string;
  timeout_seconds: number;
  memory_mb: number;
  /** Absent: Lambda's default (512 MB). */
  ephemeral_storage_mb?: number;
  /** The configuration keys the function reads, and the only ones it is given. */
  environment: ConfigKey[];
  /** Key of the queue in queue-settings.json whose event source mapping invokes the function, or null. */
  consumes: string | null;
  /** Files copied beside the bundle (paths from the repository root). */
  assets: string[];
  /** Scripts the function starts as child processes (source paths), each bundled beside it as `<name>.mjs`. */
  workers?: string[];
}

export type FunctionManifest = Record<FunctionName, FunctionSpec>;

/** Parses and checks the manifest; throws naming every mistyped field, unknown key or queue. */
export function loadFunctionManifest(settings: QueueSettings, path: string = FUNCTIONS_PATH): FunctionManifest {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { functions?: Record<string, Record<string, unknown>> };
  if (!raw.functions || typeof raw.functions !== 'object') throw new Error(`${path}: no "functions" object`);
  const problems: string[] = [];
  const consumers = new Map<string, string>();
  for (const [name, f] of Object.entries(raw.functions)) {
    const at = `functions.${name}`;
    if (typeof f.description !== 'string') problems.push(`${at}.description must be a string`);
    for (const k of ['timeout_seconds', 'memory_mb'] as const) if (typeof f[k] !== 'number') problems.push(`${at}.${k} must be a number`);
    if (f.ephemeral_storage_mb !== undefined && typeof f.ephemeral_storage_mb !== 'number') problems.push(`${at}.ephemeral_storage_mb must be a number`);
    if (!Array.isArray(f.environment)) problems.push(`${at}.environment must be a list of configuration keys`);
    else for (const key of f.environment) if (!Object.hasOwn(CONFIG_KEYS, key)) problems.push(`${at}.environment: ${key} is not in CONFIG_KEYS (src/core/config.ts)`);
    if (!Array.isArray(f.assets) || !f.assets.every((a) => typeof a === 'string')) problems.push(`${at}.assets must be a list of paths`);
    if (f.workers !== undefined && (!Array.isArray(f.workers) || !f.workers.every((w) => typeof w === 'string' && w.endsWith('.ts')))) {
      problems.push(`${at}.workers must be a list of .ts source paths`);
    }
    if (f.consumes !== null) {
      if (typeof f.consumes !== 'string' || !Object.hasOwn(settings, f.consumes)) problems.push(`${at}.consumes must be a queue of queue-settings.json or null, got ${JSON.stringify(f.consumes)}`);
      // Two event source mappings on one queue would split its messages between two different functions.
      else if (consumers.has(f.consumes)) problems.push(`${at}.consumes: ${f.consumes} is already consumed by ${consumers.get(f.consumes)}`);
      else consumers.set(f.consumes, name);
    }
  }
  if (problems.length) throw new Error(`${path}: ${problems.join('; ')}`);
  return raw.functions as unknown as FunctionManifest;
}

/** The function whose event source mapping polls `queueKey`, if any. */
export function consumerOf(manifest: FunctionManifest, queueKey: string): [FunctionName, FunctionSpec] | undefined {
  return (Object.entries(manifest) as Array<[FunctionName, FunctionSpec]>).find(([, f]) => f.consumes === queueKey);
}
