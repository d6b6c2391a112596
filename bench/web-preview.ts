/**
 * Web preview reader figures: how fast the page parser reads the recorded t.me/s pages and a generated large page
 * (posts/s, MB/s), a whole read through the local t.me stand-in with no per-host delay, and what the reader adds to a
 * Lambda bundle (esbuild, minified). Run by `make bench` (bench/run.ts) or alone: `node --import tsx bench/web-preview.ts`.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { readWebPreviewPage } from '../src/adapters/telegram-web-page.ts';
import { TelegramWebReader } from '../src/adapters/telegram-web-reader.ts';
import { TelegramWebServer, recordedPage } from '../test/helpers/telegram-web-server.ts';

const RECORDED = ['telecast_news', 'telecast_news-before-141', 'telecast_news-before-121'];

/** A page of `widgets` messages, made of the newest recorded page's widgets given new ids. */
function largePage(widgets: number): string {
  const html = recordedPage('telecast_news');
  const open = html.indexOf('<div class="tgme_widget_message_wrap');
  const close = html.lastIndexOf('</section>');
  const body = html.slice(open, close);
  const parts: string[] = [];
  for (let copy = 0; parts.length * 18 < widgets; copy++) parts.push(body.replace(/telecast_news\/(\d+)/g, (_, id: string) => `telecast_news/${Number(id) + 1000 * (copy + 1)}`));
  return html.slice(0, open) + parts.join('') + html.slice(close);
}

/** Parses `pages` over and over for about `ms`; posts and bytes per second. */
function throughput(pages: string[], ms = 1500): { postsPerSecond: number; mbPerSecond: number; msPerPage: number } {
  let posts = 0;
  let bytes = 0;
  let parsed = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const html of pages) {
      const page = readWebPreviewPage('telecast_news', html);
      if (page.kind !== 'page') throw new Error(`bench page did not parse: ${page.kind}`);
      posts += page.posts.length;
      bytes += Buffer.byteLength(html);
      parsed++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { postsPerSecond: posts / seconds, mbPerSecond: bytes / 1e6 / seconds, msPerPage: (seconds * 1000) / parsed };
}

async function bundleBytes(): Promise<number> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../src/adapters/telegram-web-reader.ts', import.meta.url))],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
  });
  return out.outputFiles[0]!.contents.byteLength;
}

export async function benchWebPreview(): Promise<Array<Record<string, string | number>>> {
  const recorded = RECORDED.map(recordedPage);
  const large = largePage(2000);
  const small = throughput(recorded);
  const big = throughput([large], 3000);
  const server = await new TelegramWebServer().withRecordedChannel().start();
  try {
    const reader = new TelegramWebReader({ baseUrl: server.url, perHostDelayMs: 0 });
    const runs = 20;
    const start = performance.now();
    for (let run = 0; run < runs; run++) {
      for await (const page of reader.read('telecast_news', { window: { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-11T00:00:00Z') } })) void page;
    }
    const readMs = (performance.now() - start) / runs;
    return [
      { what: 'parse: recorded pages (~52 KB, ~19 posts each)', value: `${Math.round(small.postsPerSecond).toLocaleString('en')} posts/s, ${small.mbPerSecond.toFixed(1)} MB/s, ${small.msPerPage.toFixed(2)} ms/page` },
      { what: `parse: generated page (${(Buffer.byteLength(large) / 1e6).toFixed(1)} MB, ~2000 posts)`, value: `${Math.round(big.postsPerSecond).toLocaleString('en')} posts/s, ${big.mbPerSecond.toFixed(1)} MB/s, ${big.msPerPage.toFixed(0)} ms/page` },
      { what: 'read: 3 pages through the local t.me, no per-host delay', value: `${readMs.toFixed(1)} ms a read (mean of ${runs})` },
      { what: 'bundle: web reader + parser (esbuild, minified)', value: `${((await bundleBytes()) / 1000).toFixed(1)} KB` },
    ];
  } finally {
    await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('Web preview reader');
  console.table(await benchWebPreview());
}
