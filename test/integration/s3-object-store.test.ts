import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulatedAws, type EmulatedAws } from '../helpers/emulated-aws.ts';

const MiB = 1024 * 1024;

describe('S3ObjectStore on the emulator', function () {
  this.timeout(120_000);
  let aws: EmulatedAws;
  let dir: string;
  before(async () => {
    aws = await startEmulatedAws();
    dir = await mkdtemp(join(tmpdir(), 'telecast-s3-'));
  });
  after(async () => {
    await aws?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function head(key: string): Promise<{ size: number; etag: string; contentType: string }> {
    const out = await aws.clients.s3.send(new HeadObjectCommand({ Bucket: aws.resources.bucket, Key: key }));
    return { size: out.ContentLength ?? -1, etag: out.ETag ?? '', contentType: out.ContentType ?? '' };
  }

  it('stores a file larger than one request may carry (13 MiB, over the emulator\'s 11 MiB cap) in parts, whole', async () => {
    const path = join(dir, 'long-episode.mp3');
    await writeFile(path, randomBytes(13 * MiB + 12_345));
    await aws.objects.putFile('podcasts/big/20261129T070000000Z/episode.mp3', path, 'audio/mpeg');
    const stored = await head('podcasts/big/20261129T070000000Z/episode.mp3');
    expect(stored.size).to.equal(13 * MiB + 12_345);
    expect(stored.etag, 'a multipart ETag ends in its part count').to.match(/-2"?$/);
    expect(stored.contentType).to.equal('audio/mpeg');
  });

  it('stores a large text body (a 12 MiB export) in parts and reads it back intact', async () => {
    const line = `${'x'.repeat(1023)}\n`;
    const text = line.repeat(12 * 1024 + 7);
    await aws.objects.putText('exports/big/result.json', text, 'application/json');
    expect((await head('exports/big/result.json')).size).to.equal(Buffer.byteLength(text));
    expect(await aws.objects.getText('exports/big/result.json')).to.equal(text);
  });

  it('stores a small file in a single PUT', async () => {
    const path = join(dir, 'short.mp3');
    await writeFile(path, randomBytes(64 * 1024));
    await aws.objects.putFile('podcasts/small/20261129T070000000Z/episode.mp3', path, 'audio/mpeg');
    const stored = await head('podcasts/small/20261129T070000000Z/episode.mp3');
    expect(stored.size).to.equal(64 * 1024);
    expect(stored.etag, 'a single PUT has a plain MD5 ETag').to.match(/^"?[0-9a-f]{32}"?$/);
  });
});
