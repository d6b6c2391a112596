import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TelegramExportReader, TelegramExportStore } from '../../src/adapters/telegram-export-reader.ts';
import { ValidationError } from '../../src/core/errors.ts';
import type { ChannelPost } from '../../src/core/ports.ts';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';
import { writeExportFile } from '../helpers/export-files.ts';

const NEWEST = new Date('2026-11-28T12:00:00Z');
const MINUTE = 60_000;
const CHANNEL = '@harbour_notes';
const KEY = 'channel-exports/harbour_notes/result.json';

async function allPages(pages: AsyncIterable<ChannelPost[]>): Promise<ChannelPost[][]> {
  const out: ChannelPost[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('Telegram Desktop exports on the emulated S3', function () {
  this.timeout(300_000);
  let aws: EmulatedAws;
  let dir: string;
  let big: string;
  let store: TelegramExportStore;
  let reader: TelegramExportReader;
  before(async () => {
    aws = await startEmulatedAws();
    dir = await mkdtemp(join(tmpdir(), 'telecast-export-'));
    big = join(dir, 'result.json');
    // About 20 MB: over the emulator's 11 MiB request cap, so it can only go up in parts.
    await writeExportFile(big, { posts: 15_000, newest: NEWEST, spacingSeconds: 60 });
    store = new TelegramExportStore(aws.objects);
    reader = new TelegramExportReader(aws.objects);
  });
  after(async () => {
    await aws?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('says a channel with no export uploaded cannot be read, naming the command that uploads one', async () => {
    expect(await reader.unreadable('@never_imported')).to.equal(
      'no export uploaded for @never_imported (expected at channel-exports/never_imported/result.json): run telecast channel import',
    );
  });

  it('uploads an export larger than one request may carry in parts, whole, and counts its posts', async () => {
    const result = await store.put(CHANNEL, createReadStream(big));
    expect(result).to.deep.equal({ key: KEY, posts: 15_000, warnings: [] });
    const head = await aws.clients.s3.send(new HeadObjectCommand({ Bucket: aws.resources.bucket, Key: KEY }));
    expect(head.ETag, 'a multipart ETag ends in its part count').to.match(/-\d+"?$/);
    expect(await reader.unreadable(CHANNEL)).to.equal(undefined);
  });

  it("reads the window's posts after afterId from the stored export, in pages, newest first", async () => {
    // Posts 14_801..15_000 are in the last 200 minutes; afterId 14_900 leaves the last 100.
    const window = { from: new Date(NEWEST.getTime() - 200 * MINUTE), to: NEWEST };
    const pages = await allPages(reader.read(CHANNEL, { window, afterId: 14_900 }));
    const ids = pages.flat().map((p) => p.id);
    expect(ids).to.have.length(100);
    expect(ids[0]).to.equal(15_000);
    expect(ids.at(-1)).to.equal(14_901);
    expect(ids).to.deep.equal([...ids].sort((a, b) => b - a));
    expect(pages.flat()[0]!.links).to.deep.equal(['https://harbour.example.org/15000']);
  });

  it('stores nothing when an export over one part is broken near its end, and the previous export stays', async () => {
    const broken = join(dir, 'broken.json');
    await writeExportFile(broken, { posts: 15_000, newest: NEWEST });
    // Its last message, after some 20 MB of good ones, has a number for a text.
    const { size } = await stat(broken);
    await truncate(broken, size - ' ]\n}\n'.length);
    await appendFile(broken, ',\n  {"id": 15001, "type": "message", "date": "2026-11-28T12:01:00", "text": 42}\n ]\n}\n');
    const before = await aws.clients.s3.send(new HeadObjectCommand({ Bucket: aws.resources.bucket, Key: KEY }));
    const error = await store.put(CHANNEL, createReadStream(broken)).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).violations).to.deep.equal(['message 15001: text is a number, not text']);
    const after = await aws.clients.s3.send(new HeadObjectCommand({ Bucket: aws.resources.bucket, Key: KEY }));
    expect(after.ETag).to.equal(before.ETag);
    const uploads = await aws.clients.s3.send(new ListMultipartUploadsCommand({ Bucket: aws.resources.bucket }));
    expect(uploads.Uploads ?? [], 'the aborted upload leaves no parts').to.deep.equal([]);
  });

  it("reads an old export's local dates with the UTC offset given at import", async () => {
    await store.put('@old_harbour', createReadStream('test/fixtures/telegram-export/desktop-2019.json'), { utcOffset: '+03:00' });
    const window = { from: new Date('2019-06-01T00:00:00Z'), to: new Date('2019-06-04T00:00:00Z') };
    const posts = (await allPages(reader.read('@old_harbour', { window }))).flat();
    expect(posts.map((p) => [p.id, p.date])).to.deep.equal([
      [4, '2019-06-03T15:00:00.000Z'],
      [3, '2019-06-02T06:15:00.000Z'],
    ]);
  });

  it('fetches an exported file kept beside result.json', async () => {
    await aws.objects.putBytes('channel-exports/old_harbour/photos/photo_1@03-06-2019_18-00-00.jpg', Buffer.from('jpeg bytes'), 'image/jpeg');
    const window = { from: new Date('2019-06-03T00:00:00Z'), to: new Date('2019-06-04T00:00:00Z') };
    const [post] = (await allPages(reader.read('@old_harbour', { window }))).flat();
    const fetched = await reader.fetchMedia(post!, post!.media[0]!, 1024);
    expect(Buffer.from(fetched.body).toString()).to.equal('jpeg bytes');
    expect(fetched.contentType).to.equal('image/jpeg');
  });

  it('imports and reads a 150 MB export in a process with a 128 MB heap', async () => {
    const huge = join(dir, 'huge.json');
    const bytes = await writeExportFile(huge, { posts: 115_000, newest: NEWEST, spacingSeconds: 60 });
    expect(bytes).to.be.greaterThan(150_000_000);
    const args = { file: huge, from: new Date(NEWEST.getTime() - 1000 * MINUTE).toISOString(), to: NEWEST.toISOString(), afterId: 114_500 };
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=128', '--import', 'tsx', 'test/helpers/export-reader-child.ts', JSON.stringify(args)], {
      maxBuffer: 1024 * 1024,
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { imported: number; stored: number; posts: number; newestFirst: boolean };
    expect(report.imported).to.equal(115_000);
    expect(report.stored).to.equal(bytes);
    expect(report.posts).to.equal(500);
    expect(report.newestFirst).to.equal(true);
  });
});
