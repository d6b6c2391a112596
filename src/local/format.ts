/** One-line descriptions of the runner's events, shared by `make dev` and `make demo`. */
import type { InvocationReport, PollErrorReport } from './lambda-runner.ts';

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** e.g. `telegram   sqs batch 1      ok       812 ms  cold (init 420 ms)` */
export function formatInvocation(r: InvocationReport): string {
  const trigger = r.source === 'sqs' ? `sqs batch ${r.batchSize}` : r.source;
  const outcome =
    r.outcome === 'partial'
      ? `partial (${r.failedRecords}/${r.batchSize} failed)`
      : r.outcome === 'success'
        ? 'ok'
        : r.outcome;
  const start = r.coldStart ? `cold${r.initDurationMs !== undefined ? ` (init ${ms(r.initDurationMs)})` : ''}` : 'warm';
  const why = r.responseProblem ?? (r.error ? `${r.error.errorType}: ${r.error.errorMessage}` : '');
  return `${r.functionName.padEnd(10)} ${trigger.padEnd(12)} ${outcome.padEnd(8)} ${ms(r.durationMs).padStart(8)}  ${start}${why ? `  — ${why}` : ''}`;
}

export function formatPollError(e: PollErrorReport): string {
  const error = e.error as { name?: string; message?: string } | undefined;
  return `${e.functionName.padEnd(10)} ${e.action} on ${e.queueUrl} failed: ${error?.name ?? 'Error'}: ${error?.message ?? String(e.error)}`;
}

/** `export NAME=value` lines a POSIX shell accepts as they are. */
export function exportLines(env: Record<string, string>): string {
  const quote = (v: string) => (/^[A-Za-z0-9_./:@%+=,-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${quote(v)}`)
    .join('\n');
}
