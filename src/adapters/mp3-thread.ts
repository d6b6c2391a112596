/**
 * The MP3 encoder's worker thread: started by mp3-encoder-thread.ts (never imported), it owns one Mp3FileEncoder
 * (LAME in wasm, writing the file itself) so that encoding runs on the second core while the generator's main thread
 * synthesises the next turns. The file's path and rate come in `workerData`.
 *
 * Protocol: the parent posts Mp3ThreadRequest messages in order; samples travel in fixed-size buffers that are
 * transferred, not copied: this thread answers each `write` with `written` once it is encoded, handing the same buffer
 * back for the parent to fill again (so neither side makes garbage, and the buffers in flight are the parent's
 * backpressure). `finish` is answered with `finished` and the file's size; any failure with `failed` and the error's
 * class, message and whether it is worth retrying, after which this thread encodes nothing more.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Mp3FileEncoder, type Mp3FileEncoderOptions } from './mp3-encoder.ts';

export interface Mp3ThreadData {
  path: string;
  options: Mp3FileEncoderOptions;
}

export type Mp3ThreadRequest = { type: 'write'; buffer: ArrayBuffer; count: number; sampleRate: number } | { type: 'finish' };

export type Mp3ThreadReply =
  | { type: 'written'; buffer: ArrayBuffer }
  | { type: 'finished'; bytes: number }
  | { type: 'failed'; name: string; message: string; retryable: boolean; cause?: { message: string; code?: string } };

const port = parentPort;
if (!port) throw new Error('mp3-thread.ts runs as a worker thread of mp3-encoder-thread.ts');
const { path, options } = workerData as Mp3ThreadData;

let encoder: Mp3FileEncoder | undefined;
let failed = false;

function fail(error: unknown): void {
  failed = true;
  const { name = 'Error', message = String(error), retryable = true, cause } = error as {
    name?: string;
    message?: string;
    retryable?: boolean;
    cause?: { message?: string; code?: string };
  };
  const reply: Mp3ThreadReply = { type: 'failed', name, message, retryable };
  if (cause) reply.cause = { message: String(cause.message ?? cause), ...(cause.code ? { code: cause.code } : {}) };
  port!.postMessage(reply);
}

port.on('message', (request: Mp3ThreadRequest) => {
  if (failed) return;
  try {
    encoder ??= new Mp3FileEncoder(path, options);
  } catch (error) {
    return fail(error);
  }
  if (request.type === 'write') {
    const { buffer, count, sampleRate } = request;
    encoder.write(new Int16Array(buffer, 0, count), sampleRate).then(
      () => port.postMessage({ type: 'written', buffer } satisfies Mp3ThreadReply, [buffer]),
      fail,
    );
  } else {
    encoder.finish().then(({ bytes }) => port.postMessage({ type: 'finished', bytes } satisfies Mp3ThreadReply), fail);
  }
});
