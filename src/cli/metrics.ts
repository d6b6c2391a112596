/**
 * `telecast metrics`: the metrics the functions logged, read back from their log lines in CloudWatch's embedded metric
 * format (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * so an operator sees episodes completed and failed, stage durations and costs without an AWS account: the local stack
 * writes every function's output to <data dir>/logs/<function>.log, and any EMF text (for example
 * `aws logs tail /aws/lambda/telecast-dev-podcastfy --since 1h`) can be piped in.
 *
 * A line is EMF when it holds a JSON object with `_aws.CloudWatchMetrics`; anything before the object (a `[function]`
 * prefix, CloudWatch's timestamp) is ignored, and lines that are not EMF are skipped. Each directive's metrics are
 * taken with the values of its first dimension set, as CloudWatch would file them.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ValidationError } from '../core/errors.ts';

export interface MetricSample {
  namespace: string;
  name: string;
  unit: string;
  /** Dimension name → value, `service` included. */
  dimensions: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch (the line's `_aws.Timestamp`). */
  timestamp: number;
}

interface EmfDirective {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

/** The samples in one log line; [] for a line that is not EMF. */
export function parseEmfLine(line: string): MetricSample[] {
  const start = line.indexOf('{');
  if (start < 0 || !line.includes('"_aws"')) return [];
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line.slice(start)) as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = record._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const timestamp = typeof aws.Timestamp === 'number' ? aws.Timestamp : 0;
  const samples: MetricSample[] = [];
  for (const directive of aws.CloudWatchMetrics as EmfDirective[]) {
    if (typeof directive?.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const set = Array.isArray(directive.Dimensions) && Array.isArray(directive.Dimensions[0]) ? (directive.Dimensions[0] as unknown[]) : [];
    const dimensions: Record<string, string> = {};
    for (const key of set) if (typeof key === 'string' && typeof record[key] === 'string') dimensions[key] = record[key] as string;
    for (const metric of directive.Metrics as Array<{ Name?: unknown; Unit?: unknown }>) {
      if (typeof metric?.Name !== 'string') continue;
      const raw = record[metric.Name];
      const values = Array.isArray(raw) ? raw : [raw];
      for (const value of values) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        samples.push({ namespace: directive.Namespace, name: metric.Name, unit: typeof metric.Unit === 'string' ? metric.Unit : 'None', dimensions, value, timestamp });
      }
    }
  }
  return samples;
}

/** Every sample in a stream of log lines. */
export async function readEmf(input: Readable): Promise<MetricSample[]> {
  const samples: MetricSample[] = [];
  for await (const line of createInterface({ input, crlfDelay: Infinity })) samples.push(...parseEmfLine(line));
  return samples;
}

/** The `*.log` files of a log folder (the local stack's <data dir>/logs), sorted; a missing folder is an error naming it. */
export async function logFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ValidationError(`no function logs at ${dir}: start the local stack (make dev) or pass --logs <dir>, or pipe EMF lines in with --logs -`);
    }
    throw error;
  }
  return names.filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, n));
}

export async function readEmfFiles(paths: string[]): Promise<MetricSample[]> {
  const samples: MetricSample[] = [];
  for (const path of paths) samples.push(...(await readEmf(createReadStream(path))));
  return samples;
}

export interface MetricRow {
  name: string;
  /** `stage=generating`, dimensions other than `service`, sorted; '' when none. */
  dimensions: string;
  unit: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * One row per metric and dimension values (`service` left out: one service per deployment), in the catalogue's order
 * of discovery; only samples at or after `since` (ms) and of `namespace` when given.
 */
export function summarizeMetrics(samples: MetricSample[], options: { since?: number; namespace?: string } = {}): MetricRow[] {
  const groups = new Map<string, { name: string; dimensions: string; unit: string; values: number[] }>();
  for (const s of samples) {
    if (options.namespace && s.namespace !== options.namespace) continue;
    if (options.since !== undefined && s.timestamp < options.since) continue;
    const dimensions = Object.entries(s.dimensions)
      .filter(([key]) => key !== 'service')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    const id = `${s.name}\u0000${dimensions}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { name: s.name, dimensions, unit: s.unit, values: [] }));
    group.values.push(s.value);
  }
  return [...groups.values()]
    .sort((a, b) => a.name.localeCompare(b.name) || a.dimensions.localeCompare(b.dimensions))
    .map(({ values, ...rest }) => {
      const sorted = [...values].sort((x, y) => x - y);
      return {
        ...rest,
        count: values.length,
        sum: values.reduce((n, v) => n + v, 0),
        min: sorted[0]!,
        max: sorted.at(-1)!,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
      };
    });
}

/** `30m`, `6h`, `2d` → milliseconds; a clear error otherwise. */
export function parseSince(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|h|d)$/.exec(text.trim());
  if (!match) throw new ValidationError(`--since "${text}" is not a duration like 30m, 6h or 2d`);
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
}

const number = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(value >= 100 ? 0 : 2));

/** The rows as a table: counts summed, durations and sizes with their spread. */
export function formatMetrics(rows: MetricRow[]): string {
  if (!rows.length) return 'no metrics in these logs yet (the functions write them as episodes run)';
  const table = rows.map((r) => [
    r.name,
    r.dimensions,
    r.unit,
    String(r.count),
    number(r.sum),
    r.unit === 'Count' ? '' : `${number(r.p50)} / ${number(r.p90)} / ${number(r.max)}`,
  ]);
  const header = ['metric', 'dimensions', 'unit', 'samples', 'sum', 'p50 / p90 / max'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  return [header, ...table].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
