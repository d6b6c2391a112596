/**
 * Resume per turn: a SpeechSynthesizer that keeps every turn it speaks under the episode's `turns/` folder
 * (keys.ts `episodeTurnKey`) as soon as it is spoken, and reads a kept turn back instead of asking the engine again.
 * A retry or a redrive of an episode whose voice engine failed midway therefore synthesises only the missing turns.
 * A decorator over the ObjectStore port rather than a port of its own: the format is core's, the storage is S3's.
 */
import { episodeTurnKey, MEDIA_TAG } from '../keys.ts';
import { NotFoundError } from '../errors.ts';
import type { EpisodeKey, ObjectStore, Pcm, SpeechSynthesizer } from '../ports.ts';

/**
 * A kept turn: the magic `TPCM`, the sample rate (uint32 little-endian), then the samples as 16-bit little-endian mono
 * PCM. The rate travels with the samples because an engine's rate may differ by voice.
 */
const MAGIC = 'TPCM';
const HEADER_BYTES = 8;

export const TURN_CONTENT_TYPE = 'application/octet-stream';

/** Whether typed arrays on this host are little-endian, as the kept format is: then samples are copied byte for byte. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A turn as kept in S3: one allocation and, on little-endian hosts (all of Lambda's), one memcpy of the samples. */
export function encodeTurn(pcm: Pcm): Uint8Array {
  const { samples } = pcm;
  const bytes = new Uint8Array(HEADER_BYTES + samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < MAGIC.length; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, pcm.sampleRate, true);
  if (LITTLE_ENDIAN) bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), HEADER_BYTES);
  else for (let i = 0; i < samples.length; i++) view.setInt16(HEADER_BYTES + i * 2, samples[i]!, true);
  return bytes;
}

/** A kept turn read back; undefined when the bytes are not one (a damaged object is spoken again, not trusted). */
export function decodeTurn(bytes: Uint8Array): Pcm | undefined {
  if (bytes.length < HEADER_BYTES || (bytes.length - HEADER_BYTES) % 2 !== 0) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sampleRate = view.getUint32(4, true);
  if (sampleRate === 0) return undefined;
  const samples = new Int16Array((bytes.length - HEADER_BYTES) / 2);
  // A byte copy: the samples after the 8-byte header need not be 2-byte aligned in `bytes`' buffer.
  if (LITTLE_ENDIAN) new Uint8Array(samples.buffer).set(bytes.subarray(HEADER_BYTES));
  else for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(HEADER_BYTES + i * 2, true);
  return { sampleRate, samples };
}

export interface TurnCacheOptions {
  objects: ObjectStore;
  episode: EpisodeKey;
  /** The podcast's voice engine name: part of each turn's address. */
  engine: string;
  /** Told of every turn sent to the engine (not of those read back): what the engine is paid for, in characters. */
  onSent?: (turn: { characters: number }) => void;
}

/**
 * Wraps `synthesizer` so each turn is kept under the episode and read back on a later attempt. Kept turns carry the
 * media tag (keys.ts MEDIA_TAG), so the bucket's media lifecycle rule expires them: they matter only until the episode
 * completes. Errors of the store propagate (a transient S3 failure fails the attempt, which is retried).
 */
export function keepingTurns(synthesizer: SpeechSynthesizer, options: TurnCacheOptions): SpeechSynthesizer {
  const { objects, episode, engine, onSent } = options;
  const tags = { [MEDIA_TAG.key]: MEDIA_TAG.value };
  return {
    get sampleRate() {
      return synthesizer.sampleRate;
    },
    get concurrency() {
      return synthesizer.concurrency;
    },
    async synthesize(text, voice, context) {
      const identity = { engine, voice, sampleRate: synthesizer.sampleRate, text, ...(context?.instructions ? { instructions: context.instructions } : {}) };
      const key = episodeTurnKey(episode.podcastId, episode.episodeId, identity);
      const kept = await readTurn(objects, key);
      if (kept) return kept;
      const pcm = await synthesizer.synthesize(text, voice, context);
      onSent?.({ characters: text.length });
      // An invalid rate is the renderer's to report; it is not worth keeping.
      if (Number.isInteger(pcm.sampleRate) && pcm.sampleRate > 0 && pcm.sampleRate < 2 ** 32) {
        await objects.putBytes(key, encodeTurn(pcm), TURN_CONTENT_TYPE, { tags });
      }
      return pcm;
    },
  };
}

async function readTurn(objects: ObjectStore, key: string): Promise<Pcm | undefined> {
  let opened;
  try {
    opened = await objects.openRead(key);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of opened.body) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decodeTurn(bytes);
}
