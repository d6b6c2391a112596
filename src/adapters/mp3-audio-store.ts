/**
 * The AudioStore over S3: an episode's audio is encoded to MP3 as a stream into a temporary file (Lambda's /tmp) and
 * streamed up to its key when finished, so memory stays flat however long the episode is. The encoder is opened at
 * the rate of the first samples written, so any synthesizer's rate works (an MPEG rate: 16, 22.05, 24, 32, 44.1, 48 kHz…).
 * Where there is a second core, LAME runs on a worker thread (ThreadedMp3Encoder) beside the synthesis.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownstreamError } from '../core/errors.ts';
import type { AudioStore, EpisodeAudioWriter, ObjectStore } from '../core/ports.ts';
import { Mp3FileEncoder } from './mp3-encoder.ts';
import { mp3ThreadAvailable, ThreadedMp3Encoder } from './mp3-encoder-thread.ts';

export interface Mp3AudioStoreOptions {
  tempDir?: string;
  bitrateKbps?: number;
  /** Encode on a worker thread; default: when there are two or more cores and the thread's script is there. */
  encoderThread?: boolean;
}

export class Mp3AudioStore implements AudioStore {
  constructor(
    private readonly objects: ObjectStore,
    private readonly options: Mp3AudioStoreOptions = {},
  ) {}

  async open(key: string): Promise<EpisodeAudioWriter> {
    const dir = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'telecast-episode-'));
    const path = join(dir, 'episode.mp3');
    const { objects, options } = this;
    const threaded = options.encoderThread ?? (availableParallelism() > 1 && mp3ThreadAvailable());
    let encoder: Mp3FileEncoder | ThreadedMp3Encoder | undefined;
    const cleanUp = () => rm(dir, { recursive: true, force: true });
    return {
      get sampleRate() {
        return encoder?.sampleRate;
      },
      write(samples, sampleRate) {
        const settings = { sampleRate, ...(options.bitrateKbps ? { bitrateKbps: options.bitrateKbps } : {}) };
        encoder ??= threaded ? new ThreadedMp3Encoder(path, settings) : new Mp3FileEncoder(path, settings);
        return encoder.write(samples, sampleRate);
      },
      async finish() {
        try {
          if (!encoder) throw new DownstreamError(`no audio was written for ${key}`, { retryable: false });
          // Finishing writes LAME's last frames and closes the file: only then is the MP3 whole.
          const { bytes } = await encoder.finish();
          await objects.putFile(key, path, 'audio/mpeg');
          return { bytes };
        } finally {
          await cleanUp();
        }
      },
      async discard() {
        await encoder?.finish().catch(() => undefined);
        await cleanUp();
      },
    };
  }
}
