/**
 * The admin page in headless Chromium on the local stack: bytes transferred for each page's load with an empty cache
 * (HTML, CSS, script and the API calls it makes; goal ≤ 100 KB), and the time from a click on Generate Episode Now
 * to the first status the episode page shows. The generator is a no-op (the click's path ends at the collection).
 *
 *   node --import tsx bench/admin.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEpisodeRepository } from '../src/adapters/dynamo-repository.ts';
import { S3ObjectStore } from '../src/adapters/s3-object-store.ts';
import { TelegramExportStore, jsonBody } from '../src/adapters/telegram-export-reader.ts';
import { startLocalStack } from '../src/local/stack.ts';
import { launchBrowser } from '../test/helpers/browser.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ACK_HANDLER = `${ROOT}test/fixtures/handlers/ack.mjs`;
const PASSWORD = 'bench-password';
const RUNS = Number(process.env.BENCH_ADMIN_RUNS ?? 5);

/** A Telegram export whose newest post is 10 minutes old (what `channel import --recent` does). */
function recentExport(): { messages: Array<{ date: string; date_unixtime: string }> } {
  const data = JSON.parse(readFileSync(`${ROOT}test/fixtures/telegram-export/result.json`, 'utf8')) as { messages: Array<{ date: string; date_unixtime: string }> };
  const newest = Math.max(...data.messages.map((m) => Number(m.date_unixtime)));
  const shift = Math.floor(Date.now() / 1000) - 600 - newest;
  for (const m of data.messages) {
    const t = Number(m.date_unixtime) + shift;
    m.date_unixtime = String(t);
    m.date = new Date(t * 1000).toISOString().slice(0, 19);
  }
  return data;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

export async function benchAdmin(): Promise<Array<Record<string, string | number>>> {
  const stack = await startLocalStack({ sqsPort: 0, dynamodbPort: 0, logs: 'silent', adminPassword: PASSWORD, functions: { podcastfy: { modulePath: ACK_HANDLER } } });
  const browser = await launchBrowser();
  const episodes = new DynamoEpisodeRepository(DynamoDBDocumentClient.from(stack.clients.dynamodb), stack.resources.table);
  try {
    const base = stack.admin!.url;
    const { page } = browser;
    await new TelegramExportStore(new S3ObjectStore(stack.clients.s3, stack.resources.bucket)).put('@telecast_sample', jsonBody(recentExport()));
    await page.goto(`${base}/login`);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
    const podcast = readFileSync(`${ROOT}samples/podcast.json`, 'utf8');
    const put = await page.evaluate(async (body) => (await fetch('/api/podcasts/tech-pulse', { method: 'PUT', headers: { 'content-type': 'application/json' }, body })).status, podcast);
    if (put !== 200) throw new Error(`storing the sample podcast through the API answered ${put}`);

    // Time from the click to the first status shown, once per run (each run waits for the last episode to settle).
    const clickMs: number[] = [];
    let episodePath = '';
    for (let i = 0; i < RUNS; i++) {
      await page.goto(`${base}/podcasts/tech-pulse`);
      await page.waitForSelector('#generate:not([disabled])', { timeout: 60_000 });
      const started = performance.now();
      await page.click('#generate');
      await page.waitForSelector('#status .badge', { timeout: 30_000 });
      clickMs.push(performance.now() - started);
      episodePath = new URL(page.url()).pathname;
      // The no-op generator leaves the episode collected; the next run needs the podcast free again.
      await page.waitForSelector('#status .badge:text-matches("collected|skipped|failed")', { timeout: 60_000 });
      // Settle it as the generator would (the transitions a real run makes), so the podcast is free for the next click.
      const [, , podcastId, , episodeId] = episodePath.split('/');
      const key = { podcastId: podcastId!, episodeId: episodeId! };
      if ((await episodes.get(key))?.status === 'collected') {
        await episodes.apply('claimGeneration', key, {}, new Date());
        await episodes.apply('markCompleted', key, {}, new Date());
      }
    }

    // Page weight: each page loaded with an empty cache, every response's bytes on the wire.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    let requests = 0;
    cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
      bytes += e.encodedDataLength;
      requests++;
    });
    const pages: Array<[string, string, string]> = [
      ['podcasts', '/', 'tbody tr'],
      ['podcast', '/podcasts/tech-pulse', '#generate'],
      ['episode', episodePath, '#status .badge'],
      ['queues', '/queues', '#redrive-processing'],
      ['search', '/search', 'h2'],
      ['audit', '/audit', 'tbody tr'],
    ];
    const rows: Array<Record<string, string | number>> = [];
    for (const [name, path, ready] of pages) {
      bytes = 0;
      requests = 0;
      await page.goto(`${base}${path}`);
      await page.waitForSelector(ready);
      await page.waitForLoadState('networkidle');
      rows.push({ what: `page weight: ${name}`, value: `${(bytes / 1000).toFixed(1)} KB in ${requests} requests`, target: `≤ 100 KB ${bytes <= 100_000 ? 'ok' : 'MISSED'}` });
    }
    rows.push({ what: 'click on Generate → first status shown', value: `${median(clickMs).toFixed(0)} ms (median of ${RUNS}; ${clickMs.map((m) => m.toFixed(0)).join(', ')})`, target: '' });
    return rows;
  } finally {
    await browser.close();
    await stack.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.table(await benchAdmin());
}
