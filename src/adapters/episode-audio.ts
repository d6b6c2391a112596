/**
 * The AudioRenderer the generator uses: espeak-ng speech, mixed and encoded to MP3 as a stream into a temporary file
 * (Lambda's /tmp), then streamed up to S3. Memory stays flat however long the episode is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioRenderer } from '../core/generation/generate-episode.ts';
import type { ObjectStore, SpeechSynthesizer } from '../core/ports.ts';
import { renderEpisodeAudio, type RenderedAudio } from '../core/generation/render-audio.ts';
import { Mp3FileEncoder } from './mp3-encoder.ts';

export interface EpisodeAudioOptions {
  objects: ObjectStore;
  synthesizer: SpeechSynthesizer & { readonly sampleRate: number };
  tempDir?: string;
  bitrateKbps?: number;
}

export function createAudioRenderer(options: EpisodeAudioOptions): AudioRenderer {
  return async (script, key) => {
    const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'telecast-episode-'));
    try {
      const path = join(dir, 'episode.mp3');
      const encoder = new Mp3FileEncoder(path, {
        sampleRate: options.synthesizer.sampleRate,
        ...(options.bitrateKbps ? { bitrateKbps: options.bitrateKbps } : {}),
      });
      let rendered: RenderedAudio | undefined;
      try {
        rendered = await renderEpisodeAudio(script, { synthesizer: options.synthesizer, encoder });
      } finally {
        // Always finish: it writes LAME's last frames and closes the file, also when synthesis failed midway.
        await encoder.finish().catch((error: unknown) => {
          if (rendered) throw error;
        });
      }
      await options.objects.putFile(key, path, 'audio/mpeg');
      return { durationSeconds: rendered.durationSeconds, cues: rendered.cues };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
