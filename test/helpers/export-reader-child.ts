/**
 * Run in a child process (by the memory test and bench/export.ts, with a heap cap or without): imports an export file
 * through TelegramExportStore (checked, streamed into a store that discards it), then reads it through
 * TelegramExportReader, whose object store serves the file from disk. Prints one JSON line: posts read, bytes stored,
 * peak heap and RSS, seconds per pass.
 *
 *   node --import tsx test/helpers/export-reader-child.ts '{"file": "...", "from": "ISO", "to": "ISO", "afterId": 0}'
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { NotFoundError } from '../../src/core/errors.ts';
import type { ObjectStore } from '../../src/core/ports.ts';
import { TelegramExportReader, TelegramExportStore } from '../../src/adapters/telegram-export-reader.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as { file: string; from: string; to: string; afterId?: number };

/** Serves every export key from the one file; stores by counting bytes. Only what import and read call. */
class FileObjects implements ObjectStore {
  stored = 0;
  async openRead(): Promise<{ body: AsyncIterable<Uint8Array>; bytes: number }> {
    return { body: createReadStream(args.file, { highWaterMark: 64 * 1024 }), bytes: (await stat(args.file)).size };
  }
  async getJson<T>(key: string): Promise<T> {
    throw new NotFoundError(`${key} is not kept here`);
  }
  async putStream(_key: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const chunk of body) this.stored += chunk.byteLength;
  }
  async putJson(): Promise<void> {}
  async exists(): Promise<boolean> {
    return true;
  }
  getText = notUsed;
  putText = notUsed;
  putFile = notUsed;
  copy = notUsed;
  head = notUsed;
  delete = notUsed;
  putBytes = notUsed;
}
async function notUsed(): Promise<never> {
  throw new Error('not used by the export reader');
}

let peakHeap = 0;
const sample = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};
setInterval(sample, 10).unref();

const objects = new FileObjects();
let started = performance.now();
const imported = await new TelegramExportStore(objects).put('@harbour_notes', createReadStream(args.file, { highWaterMark: 64 * 1024 }));
const importSeconds = (performance.now() - started) / 1000;
started = performance.now();
let posts = 0;
let pages = 0;
let newestFirst = true;
let previous = Infinity;
for await (const page of new TelegramExportReader(objects).read('@harbour_notes', { window: { from: new Date(args.from), to: new Date(args.to) }, afterId: args.afterId })) {
  pages += 1;
  posts += page.length;
  for (const post of page) {
    newestFirst &&= post.id < previous;
    previous = post.id;
  }
  sample();
}
const readSeconds = (performance.now() - started) / 1000;
sample();
console.log(
  JSON.stringify({
    imported: imported.posts,
    stored: objects.stored,
    posts,
    pages,
    newestFirst,
    importSeconds,
    readSeconds,
    peakHeapBytes: peakHeap,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
