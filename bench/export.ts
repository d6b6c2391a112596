/**
 * Export reader: peak RSS and heap of a child process that imports (checks and streams up) and reads an export of
 * 10 k and of 100 k posts, and the read throughput. The goal is flat memory: RSS independent of the export's size.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeExportFile } from '../test/helpers/export-files.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const NEWEST = new Date('2026-11-28T12:00:00Z');
const MiB = 1024 * 1024;

interface ChildReport {
  imported: number;
  posts: number;
  importSeconds: number;
  readSeconds: number;
  peakHeapBytes: number;
  peakRssBytes: number;
}

export async function benchExport(): Promise<Array<Record<string, string | number>>> {
  const dir = await mkdtemp(join(tmpdir(), 'telecast-bench-export-'));
  try {
    const rows: Array<Record<string, string | number>> = [];
    for (const posts of [10_000, 100_000]) {
      const file = join(dir, `export-${posts}.json`);
      const bytes = await writeExportFile(file, { posts, newest: NEWEST, spacingSeconds: 60 });
      // A day's window (1,440 posts), as a collector would read.
      const args = { file, from: new Date(NEWEST.getTime() - 24 * 3600_000).toISOString(), to: NEWEST.toISOString() };
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/helpers/export-reader-child.ts', JSON.stringify(args)], { cwd: ROOT });
      const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport;
      rows.push({
        posts,
        'export MB': Number((bytes / 1e6).toFixed(1)),
        'window posts': r.posts,
        'peak RSS MiB': Number((r.peakRssBytes / MiB).toFixed(1)),
        'peak heap MiB': Number((r.peakHeapBytes / MiB).toFixed(1)),
        'import posts/s': Math.round(r.imported / r.importSeconds),
        'read posts/s': Math.round(r.imported / r.readSeconds),
        'read MB/s': Number((bytes / 1e6 / r.readSeconds).toFixed(1)),
      });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
