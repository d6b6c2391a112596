/**
 * Cold start: each handler bundle's size and the median wall time of a whole new process that imports it (what a
 * Lambda cold start pays before the first event), beside the original Python Lambdas' equivalent,
 * `import boto3; boto3.client('sqs'); boto3.client('s3')`, measured in the same run.
 * Targets: every handler ≤ 0.35 × the boto3 figure (admin ≤ 0.2 ×); telegram and scheduler bundles ≤ 500 KB, admin
 * ≤ 300 KB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_DEFAULTS, FUNCTION_NAMES, functionConfigKeys, type ConfigKey } from '../src/core/config.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BOTO3 = "import boto3; boto3.client('sqs'); boto3.client('s3')";

/** Enough configuration for each handler's cold-start validation to pass; nothing is contacted at import. */
const RUNTIME_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};
const CONFIG_VALUES: Record<ConfigKey, string> = {
  TABLE_NAME: 'telecast-bench',
  BUCKET_NAME: 'telecast-bench',
  COLLECTION_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/collection',
  PROCESSING_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/processing',
  COLLECTION_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/collection-dlq',
  PROCESSING_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/processing-dlq',
  MAX_RECEIVE_COUNT: '3',
  STALLED_MARGIN_HOURS: '6',
  PUBLIC_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
  STUCK_AFTER_MINUTES: '300',
  // Read on the first request, not at import: cold start never contacts Secrets Manager.
  ...ENGINE_DEFAULTS,
  ADMIN_SECRET_ID: 'telecast-bench-admin',
  TELEGRAM_WEB_URL: 'https://t.me',
  TELEGRAM_SESSION_SECRET_ID: '',
};

/** What Lambda would give the function: the runtime's variables and the keys terraform/functions.json names. */
function environmentOf(name: (typeof FUNCTION_NAMES)[number]): Record<string, string> {
  return { ...RUNTIME_ENV, ...Object.fromEntries(functionConfigKeys(name).map((key) => [key, CONFIG_VALUES[key]])) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function timeProcess(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.toString().slice(0, 500)}`);
    if (i > 0) times.push(ms); // the first run warms the page cache, as a Lambda host's would be
  }
  return median(times);
}

export async function benchColdStart(): Promise<Array<Record<string, string | number>>> {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  let boto3Ms: number | undefined;
  try {
    boto3Ms = timeProcess(python, ['-c', BOTO3], { AWS_DEFAULT_REGION: 'us-east-1' });
  } catch (error) {
    console.warn(`boto3 baseline unavailable (apt-get install python3-boto3): ${(error as Error).message.split('\n')[0]}`);
  }
  const nodeMs = timeProcess(process.execPath, ['-e', '0']);
  const rows: Array<Record<string, string | number>> = [
    { what: 'python3 + boto3 sqs/s3 clients', bundle_kb: '-', median_ms: boto3Ms?.toFixed(1) ?? 'n/a', ratio: '1.00', target: '' },
    { what: 'node, empty process (floor)', bundle_kb: '-', median_ms: nodeMs.toFixed(1), ratio: boto3Ms ? (nodeMs / boto3Ms).toFixed(2) : '', target: '' },
  ];
  for (const name of FUNCTION_NAMES) {
    const bundle = join(ROOT, 'dist', name, 'index.mjs');
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run make build`);
    const ms = timeProcess(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(bundle)})`], environmentOf(name));
    const kb = statSync(bundle).size / 1000;
    const sizeLimit = name === 'admin' ? 300 : 500;
    const ratioLimit = name === 'admin' ? 0.2 : 0.35;
    const sizeTarget = name === 'podcastfy' ? '' : ` size ≤ ${sizeLimit} KB ${kb <= sizeLimit ? 'ok' : 'MISSED'}`;
    rows.push({
      what: `${name} handler import`,
      bundle_kb: kb.toFixed(0),
      median_ms: ms.toFixed(1),
      ratio: boto3Ms ? (ms / boto3Ms).toFixed(2) : 'n/a',
      target: `≤ ${ratioLimit}× ${boto3Ms ? (ms / boto3Ms <= ratioLimit ? 'ok' : 'MISSED') : '?'}${sizeTarget}`,
    });
  }
  return rows;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  console.table(await benchColdStart());
}
