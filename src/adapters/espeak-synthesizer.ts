/**
 * SpeechSynthesizer over espeak-ng compiled to WebAssembly (the `espeak-ng` package): offline, no network, no native
 * binary in the Lambda package. The package is a CLI-style Emscripten module: each factory call instantiates the wasm,
 * runs `main(argv)` once and leaves the WAV in its in-memory file system.
 *
 * Speed: a fresh instance per utterance costs ~60 ms before any speech is made (instantiation, copying 18 MB of
 * embedded voice data, espeak's initialisation), which dominated a 10-minute episode. Instead one instance is created
 * per synthesizer, its linear memory is snapshotted right after start-up, and every utterance restores that snapshot
 * and calls `main` again: the C program always sees a pristine process (getopt's `optind`, espeak's globals, the
 * heap), so the output is the same as a fresh run's, at ~4x the speed for typical turns (bench/generation.ts).
 * The snapshot is sparse (see MemorySnapshot): the 17 MB of embedded voice data is never written, and pages that were
 * zero are compared rather than copied, so it costs well under 1 MB and ~2 ms per restore instead of 32 MB and 5 ms.
 * The compiled module is cached per process, so further synthesizers (warm invocations, tests) skip compilation.
 *
 * Memory: the module is compiled from the wasm file's code alone (SplitWasm), so V8 keeps ~300 KB of wire bytes
 * rather than 18 MB; the data segments are written into the instance's memory from the file, and each embedded voice
 * data file is read in when espeak first opens it, so only the data of the languages spoken becomes resident.
 * Path lookups in the read-only data tree are memoised, as every run opens and stats the data files again.
 */
import ESpeakNgFactory from 'espeak-ng';
import { Buffer } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DownstreamError, ValidationError } from '../core/errors.ts';
import type { Pcm, SpeechSynthesizer } from '../core/ports.ts';
import { concatenate, parseWav, splitForSynthesis } from './speech-audio.ts';

export { parseWav, splitForSynthesis };

/**
 * The WebAssembly API as used here. tsconfig's lib is ES2023 without DOM, which is where TypeScript declares the
 * `WebAssembly` namespace, so the few members needed are typed locally.
 */
interface WasmModule {
  readonly kind?: 'WebAssembly.Module';
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  instantiate(module: WasmModule, imports: unknown): Promise<WasmInstance>;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The Emscripten module options and object members this adapter relies on. */
interface EspeakModuleOptions {
  noInitialRun: boolean;
  print(line: string): void;
  printErr(line: string): void;
  quit(status: number, toThrow: unknown): never;
  locateFile(path: string, scriptDirectory: string): string;
  instantiateWasm(
    imports: unknown,
    receiveInstance: (instance: WasmInstance, module: WasmModule) => void,
  ): Record<string, never>;
}
interface EspeakFsNode {
  mode: number;
  contents?: unknown;
}
interface EspeakModule {
  FS: {
    analyzePath(path: string): { exists: boolean };
    readdir(path: string): string[];
    lookupPath(path: string, options?: object): { path: string; node: EspeakFsNode | null };
    isDir(mode: number): boolean;
    streams: Array<object | null | undefined>;
    close(stream: object): void;
    makedev(major: number, minor: number): number;
    registerDevice(device: number, ops: DeviceStreamOps): void;
    mkdev(path: string, mode: number, device: number): unknown;
    ErrnoError: new (errno: number) => Error;
  };
}
/** The stream operations of an Emscripten character device (FS.registerDevice); `position` is the stream's. */
interface DeviceStream {
  position: number;
}
interface DeviceStreamOps {
  open(stream: DeviceStream): void;
  close(stream: DeviceStream): void;
  read(stream: DeviceStream, buffer: Uint8Array, offset: number, length: number, position: number): number;
  write(stream: DeviceStream, buffer: Uint8Array, offset: number, length: number, position: number): number;
  llseek(stream: DeviceStream, offset: number, whence: number): number;
}
type EspeakFactory = (options: EspeakModuleOptions) => Promise<EspeakModule>;
interface EspeakExports {
  memory: { readonly buffer: ArrayBuffer };
  malloc(size: number): number;
  stackSave(): number;
  stackRestore(pointer: number): void;
  __main_argc_argv(argc: number, argv: number): number;
  /** The address of Emscripten's table of embedded files. */
  __emscripten_embedded_file_data: { readonly value: number };
}

const factory = ESpeakNgFactory as unknown as EspeakFactory;

/** espeak-ng's output rate; every voice renders at it. */
export const ESPEAK_SAMPLE_RATE = 22050;

const WAV_PATH = '/telecast.wav';
/** Voice ids are a language (optionally with a region) and an optional `+variant`: `en-us`, `he+f3`, `en-gb-x-rp+m3`. */
const VOICE_ID = /^[A-Za-z0-9_-]{1,40}(?:\+[A-Za-z0-9_-]{1,40})?$/;
const UNKNOWN_VOICE = /voice does not exist/i;

export interface EspeakSynthesizerOptions {
  /** Speaking rate in words per minute (espeak's `-s`, 80–450). Default 165, a relaxed conversational pace. */
  wordsPerMinute?: number;
  /** Pitch adjustment 0–99 (espeak's `-p`); default: the voice's own (50). Applies to every voice. */
  pitch?: number;
  /**
   * Longest text handed to espeak in one run, in characters (default 2000, about two minutes of speech). Longer texts
   * are split on sentence boundaries and the pieces' audio concatenated. espeak itself copes with far longer input
   * (the argv string is written to the wasm heap, not the 64 KiB stack), but one run's WAV lives in memory twice
   * (file system + copy), so bounding the piece bounds the transient memory per run.
   */
  maxCharsPerRun?: number;
}

/** Raised inside the engine when `main` ends through `exit(status)`; carries the status. */
interface ExitStatusLike {
  name: 'ExitStatus';
  status: number;
}
function isExitStatus(error: unknown): error is ExitStatusLike {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ExitStatus';
}

/**
 * espeak-ng's wasm file split in two: its code (every section but the data section) and where each active data
 * segment's bytes lie in the file. The package embeds its 18 MB of voice data in one data segment; compiling the whole
 * file made V8 keep a copy of all of it as the module's wire bytes (17.6 MB resident for the process's life) and
 * instantiation copy it once more into the instance's memory. Compiled from the code alone (~300 KB), the module
 * holds no data; the segments are written into the memory from the file by `DataSegments.write` before the program
 * starts, all but the embedded files' contents, which are read in the first time a file is opened (`lazyFiles`):
 * an episode reads the dictionaries of its own language only, so the other languages' data is never resident.
 */
export interface SplitWasm {
  code: Uint8Array;
  segments: Array<{ address: number; fileOffset: number; length: number }>;
}

/** Fills `target` from the file at `position`; throws if the file ends first. */
function readFully(fd: number, path: string, target: Uint8Array, position: number): void {
  for (let offset = 0; offset < target.length; ) {
    const count = readSync(fd, target, offset, target.length - offset, position + offset);
    if (!count) throw new Error(`${path} ended ${target.length - offset} bytes early at ${position + offset}`);
    offset += count;
  }
}

/** A LEB128 number (unsigned, or signed as an i32.const is) at `offset` of `bytes`, and the offset after it. */
function leb128(bytes: Uint8Array, offset: number, signed = false): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    if (offset >= bytes.length || shift > 28) throw new Error('malformed LEB128 number');
    byte = bytes[offset++]!;
    value |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  if (signed && shift < 32 && byte & 0x40) value |= -1 << shift;
  return [signed ? value : value >>> 0, offset];
}

/**
 * Splits the wasm file (see SplitWasm), reading only section and segment headers plus the code. Undefined when the
 * file is not laid out as expected (a passive or non-constant segment, a data count section): it is then compiled
 * whole, as the package does.
 */
export function splitWasm(path: string): SplitWasm | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const header = new Uint8Array(16);
    const headerAt = (position: number) => {
      const view = header.subarray(0, Math.min(header.length, size - position));
      readFully(fd, path, view, position);
      return view;
    };
    const sections: Array<{ id: number; start: number; end: number; body: number }> = [];
    for (let position = 8; position < size; ) {
      const bytes = headerAt(position);
      const [length, body] = leb128(bytes, 1);
      sections.push({ id: bytes[0]!, start: position, body: position + body, end: position + body + length });
      position += body + length;
    }
    const data = sections.filter((section) => section.id === 11);
    if (data.length !== 1 || sections.some((section) => section.id === 12)) return undefined;
    const segments: SplitWasm['segments'] = [];
    let [count, at] = leb128(headerAt(data[0]!.body), 0);
    at += data[0]!.body;
    for (let i = 0; i < count; i++) {
      const bytes = headerAt(at);
      // Flags 0: active, memory 0, offset an `i32.const n; end` expression.
      if (bytes[0] !== 0 || bytes[1] !== 0x41) return undefined;
      const [address, afterConst] = leb128(bytes, 2, true);
      if (bytes[afterConst] !== 0x0b) return undefined;
      const [length, contents] = leb128(bytes, afterConst + 1);
      segments.push({ address, fileOffset: at + contents, length });
      at += contents + length;
    }
    const kept = sections.filter((section) => section.id !== 11);
    const codeSize = 8 + kept.reduce((n, section) => n + section.end - section.start, 0);
    // In a WebAssembly.Memory (mapped by V8), not a malloc'd buffer: see readOutsideMalloc.
    const code = new Uint8Array(new WebAssemblyApi.Memory({ initial: Math.ceil(codeSize / PAGE) }).buffer, 0, codeSize);
    readFully(fd, path, code.subarray(0, 8), 0);
    let offset = 8;
    for (const section of kept) {
      readFully(fd, path, code.subarray(offset, offset + section.end - section.start), section.start);
      offset += section.end - section.start;
    }
    return { code, segments };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a split module's data segments into its instance's memory, straight from the file, less the embedded files'
 * contents (listed by the table Emscripten exports as `__emscripten_embedded_file_data`: name, length and address of
 * each file, until a null name); `load` reads one of those files' bytes in when it is first opened.
 */
class DataSegments {
  /** The embedded files' contents, by address: [address, length]. */
  readonly files = new Map<number, number>();

  constructor(
    private readonly path: string,
    private readonly segments: SplitWasm['segments'],
  ) {}

  /** Call after instantiation, before the program's constructors run. */
  write(memory: ArrayBuffer, table: number): void {
    const fd = openSync(this.path, 'r');
    try {
      const heap = new Uint8Array(memory);
      const word = new Uint8Array(4);
      const wordAt = (address: number) => {
        readFully(fd, this.path, word, this.fileOffset(address, 4));
        return new DataView(word.buffer).getUint32(0, true);
      };
      for (let entry = table; wordAt(entry); entry += 12) this.files.set(wordAt(entry + 8), wordAt(entry + 4));
      const skipped = [...this.files].map(([address, length]) => [address, address + length] as const).sort((a, b) => a[0] - b[0]);
      for (const { address, fileOffset, length } of this.segments) {
        let from = address;
        for (const [start, end] of [...skipped, [address + length, address + length] as const]) {
          if (end <= from || start < address) continue;
          const until = Math.min(start, address + length);
          if (until > from) readFully(fd, this.path, heap.subarray(from, until), fileOffset + from - address);
          from = Math.max(from, end);
          if (from >= address + length) break;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Reads one embedded file's bytes into `heap` (a view of exactly that file's contents). */
  load(view: Uint8Array | Int8Array): void {
    const fd = openSync(this.path, 'r');
    try {
      readFully(fd, this.path, new Uint8Array(view.buffer, view.byteOffset, view.byteLength), this.fileOffset(view.byteOffset, view.byteLength));
    } finally {
      closeSync(fd);
    }
  }

  private fileOffset(address: number, length: number): number {
    const segment = this.segments.find((s) => address >= s.address && address + length <= s.address + s.length);
    if (!segment) throw new Error(`espeak-ng's data at ${address} (${length} bytes) is in no data segment of ${this.path}`);
    return segment.fileOffset + address - segment.address;
  }
}

/**
 * Makes each embedded file whose contents DataSegments left out read them in on first use: its MEMFS node's
 * `contents` (a view of the wasm memory, all zero until then) becomes a getter that loads the bytes, then a plain
 * property again. Whatever reads a file (MEMFS's read, mmap) goes through `contents`.
 */
function lazyFiles(module: EspeakModule, memory: ArrayBuffer, data: DataSegments): void {
  const walk = (path: string) => {
    const node = module.FS.lookupPath(path).node!;
    if (module.FS.isDir(node.mode)) {
      for (const name of module.FS.readdir(path)) if (name !== '.' && name !== '..') walk(`${path}/${name}`);
      return;
    }
    const view = node.contents;
    if (!ArrayBuffer.isView(view) || view.buffer !== memory || data.files.get(view.byteOffset) !== view.byteLength) return;
    Object.defineProperty(node, 'contents', {
      configurable: true,
      enumerable: true,
      get() {
        data.load(view as Uint8Array);
        Object.defineProperty(node, 'contents', { value: view, writable: true, configurable: true, enumerable: true });
        return view;
      },
      set(value: unknown) {
        Object.defineProperty(node, 'contents', { value, writable: true, configurable: true, enumerable: true });
      },
    });
  };
  if (module.FS.analyzePath(DATA_ROOT).exists) walk(DATA_ROOT);
}

/**
 * Reads the wasm file into a WebAssembly.Memory, which V8 maps itself, rather than an ordinary buffer from malloc.
 * Freeing an 18.5 MB malloc'd buffer raises glibc's mmap threshold to that size (and its trim threshold to twice
 * it): every turn-sized buffer after it then came from the brk heap, which kept ~25 MB of freed memory resident over
 * a long episode. The memory is unmapped when it is collected. Used only when the file cannot be split.
 */
async function readOutsideMalloc(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const bytes = new Uint8Array(new WebAssemblyApi.Memory({ initial: Math.ceil(size / PAGE) }).buffer, 0, size);
    for (let offset = 0; offset < size; ) {
      const { bytesRead } = await file.read(bytes, offset, size - offset, offset);
      if (!bytesRead) throw new Error(`${path} ended after ${offset} of ${size} bytes`);
      offset += bytesRead;
    }
    return bytes;
  } finally {
    await file.close();
  }
}

interface CompiledEspeak {
  module: WasmModule;
  /** Set when the module was compiled without its data section: the segments to write into each instance. */
  segments?: SplitWasm['segments'];
}

let compiled: { path: string; module: Promise<CompiledEspeak> } | undefined;

/** One compile per process and wasm file; a failed compile is forgotten so the next attempt retries it. */
function compileOnce(path: string): Promise<CompiledEspeak> {
  if (compiled?.path !== path) {
    const module = (async (): Promise<CompiledEspeak> => {
      const split = splitWasm(path);
      if (split) return { module: await WebAssemblyApi.compile(split.code), segments: split.segments };
      return { module: await WebAssemblyApi.compile(await readOutsideMalloc(path)) };
    })();
    module.catch(() => {
      if (compiled?.module === module) compiled = undefined;
    });
    compiled = { path, module };
  }
  return compiled.module;
}

/** Linux's EINVAL, as Emscripten's FS.ErrnoError numbers it. */
const EINVAL = 28;

/**
 * The file espeak writes its WAV to: an Emscripten character device backed by one buffer kept across runs, grown to
 * the longest run's WAV. A plain in-memory file is rebuilt each run (truncated to nothing, then grown by doubling,
 * then copied out by readFile): three to four turn-sized allocations per turn, the garbage that made a long
 * episode's memory climb. Here the only allocation per turn is the caller's copy of the samples. It is seekable,
 * as espeak rewrites the WAV header's sizes when it closes the file; opening it with O_TRUNC (fopen "wb") does not
 * truncate a device, so `open` empties it.
 */
class WavSink {
  private bytes = new Uint8Array(1 << 20);
  private size = 0;
  private opened = false;

  readonly ops: DeviceStreamOps = {
    open: () => {
      this.size = 0;
      this.opened = true;
    },
    close: () => {},
    read: (_stream, buffer, offset, length, position) => {
      const count = Math.max(0, Math.min(length, this.size - position));
      buffer.set(this.bytes.subarray(position, position + count), offset);
      return count;
    },
    write: (_stream, buffer, offset, length, position) => {
      const end = position + length;
      if (end > this.bytes.length) {
        const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
        grown.set(this.bytes.subarray(0, this.size));
        this.bytes = grown;
      }
      if (position > this.size) this.bytes.fill(0, this.size, position);
      this.bytes.set(buffer.subarray(offset, offset + length), position);
      this.size = Math.max(this.size, end);
      return length;
    },
    llseek: (stream, offset, whence) => {
      const position = offset + (whence === 1 ? stream.position : whence === 2 ? this.size : 0);
      if (position < 0) throw new this.errno(EINVAL);
      return position;
    },
  };

  constructor(private readonly errno: new (errno: number) => Error) {}

  /** Forgets the last run's WAV. */
  reset(): void {
    this.size = 0;
    this.opened = false;
  }

  /** What the run wrote, if it opened the file: a view of the buffer, valid until the next run. */
  written(): Uint8Array | undefined {
    return this.opened ? this.bytes.subarray(0, this.size) : undefined;
  }
}

/** Where Emscripten unpacks espeak-ng's data (the `--embed-file` target in the package's build). */
const DATA_ROOT = '/usr/local/share/espeak-ng-data';
const PAGE = 64 * 1024;

/**
 * The wasm memory as it was after start-up, for restoring before each run. It skips the byte ranges that hold the
 * embedded files' contents (the in-memory file system serves them straight from wasm memory, and nothing writes
 * them), stores the other pages that were not all zero, and for pages that were zero only checks them on restore,
 * zeroing the ones a run touched. Untouched pages are never written, so they never become resident.
 */
class MemorySnapshot {
  private constructor(
    private readonly saved: Array<{ offset: number; bytes: Uint8Array }>,
    private readonly zeroed: Array<{ offset: number; length: number }>,
  ) {}

  static take(memory: ArrayBuffer, readOnly: Array<[number, number]>): MemorySnapshot {
    const heap = new Uint8Array(memory);
    const saved: Array<{ offset: number; bytes: Uint8Array }> = [];
    const zeroed: Array<{ offset: number; length: number }> = [];
    let from = 0;
    for (const [start, end] of [...readOnly, [heap.length, heap.length] as [number, number]]) {
      for (let offset = from; offset < start; offset += PAGE) {
        const length = Math.min(PAGE, start - offset);
        if (isZero(heap, offset, length)) zeroed.push({ offset, length });
        else saved.push({ offset, bytes: heap.slice(offset, offset + length) });
      }
      from = Math.max(from, end);
    }
    return new MemorySnapshot(saved, zeroed);
  }

  restore(memory: ArrayBuffer): void {
    const heap = new Uint8Array(memory);
    for (const { offset, bytes } of this.saved) heap.set(bytes, offset);
    for (const { offset, length } of this.zeroed) if (!isZero(heap, offset, length)) heap.fill(0, offset, offset + length);
  }

  get bytes(): number {
    return this.saved.reduce((n, page) => n + page.bytes.length, 0);
  }
}

const ZERO_PAGE = Buffer.alloc(PAGE);
function isZero(heap: Uint8Array, offset: number, length: number): boolean {
  // Buffer.compare is a native memcmp: far faster than a JS loop.
  return Buffer.compare(Buffer.from(heap.buffer, heap.byteOffset + offset, length), ZERO_PAGE.subarray(0, length)) === 0;
}

/**
 * The wasm-memory byte ranges holding embedded files' contents, merged and sorted. Emscripten makes each embedded
 * file's contents an Int8Array view of its heap (HEAP8.subarray), so any typed-array view counts: testing for
 * Uint8Array alone found none and made the snapshot copy all 17.5 MB of voice data.
 */
function embeddedFileRanges(module: EspeakModule, memory: ArrayBuffer): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const walk = (path: string) => {
    const node = module.FS.lookupPath(path).node!;
    if (module.FS.isDir(node.mode)) {
      for (const name of module.FS.readdir(path)) if (name !== '.' && name !== '..') walk(`${path}/${name}`);
    } else if (ArrayBuffer.isView(node.contents) && node.contents.buffer === memory && node.contents.byteLength) {
      ranges.push([node.contents.byteOffset, node.contents.byteOffset + node.contents.byteLength]);
    }
  };
  if (module.FS.analyzePath(DATA_ROOT).exists) walk(DATA_ROOT);
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of ranges) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/**
 * Memoises the file system's path lookups under DATA_ROOT, found or not. Every run starts espeak afresh, which opens
 * and stats its data files and probes voice paths again: Emscripten resolves each path in JavaScript (normalising,
 * splitting, walking the tree), which cost about as much time as espeak's own start-up code. The data tree is never
 * written (the files are the package's, read-only), so a lookup's answer cannot change; anything else (the WAV
 * device, relative paths) is looked up as before.
 */
function memoiseDataLookups(module: EspeakModule): void {
  const lookup = module.FS.lookupPath.bind(module.FS);
  const answers = new Map<string, { found: ReturnType<typeof lookup> } | { errno: number }>();
  module.FS.lookupPath = (path, options) => {
    if (typeof path !== 'string' || !path.startsWith(`${DATA_ROOT}/`) || path.includes('/.')) return lookup(path, options);
    const key = options ? `${path}\0${JSON.stringify(options)}` : path;
    let answer = answers.get(key);
    if (!answer) {
      try {
        answer = { found: lookup(path, options) };
      } catch (error) {
        const errno = (error as { errno?: unknown }).errno;
        if (!(error instanceof module.FS.ErrnoError) || typeof errno !== 'number') throw error;
        answer = { errno };
      }
      answers.set(key, answer);
    }
    if ('errno' in answer) throw new module.FS.ErrnoError(answer.errno);
    return answer.found;
  };
}

/** A started espeak-ng instance whose `main` can be run any number of times from the same pristine state. */
class EspeakEngine {
  private stderr: string[] = [];

  private constructor(
    private readonly module: EspeakModule,
    private readonly exports: EspeakExports,
    private readonly snapshot: MemorySnapshot,
    private readonly wav: WavSink,
  ) {}

  static async start(): Promise<EspeakEngine> {
    let exports: EspeakExports | undefined;
    let failInstantiation: (error: unknown) => void = () => {};
    const instantiationFailed = new Promise<never>((_, reject) => {
      failInstantiation = reject;
    });
    const lines: string[] = [];
    let wasmPath: string | undefined;
    let data: DataSegments | undefined;
    const ready = factory({
      noInitialRun: true,
      print: () => {},
      printErr: (line) => lines.push(line),
      // The default sets process.exitCode on a non-zero exit: never let the engine touch the host process.
      quit: (_status, toThrow) => {
        throw toThrow;
      },
      // Called before instantiateWasm with the directory of espeak-ng.js itself, or of the bundle that inlined it:
      // where build.mjs copies espeak-ng.wasm.
      locateFile: (path, scriptDirectory) => (wasmPath = scriptDirectory + path),
      // Emscripten only catches synchronous throws here: asynchronous failures go to instantiationFailed.
      instantiateWasm: (imports, receiveInstance) => {
        if (!wasmPath) throw new Error('espeak-ng did not ask where its wasm file is');
        const path = wasmPath;
        compileOnce(path)
          .then(async ({ module, segments }) => {
            const instance = await WebAssemblyApi.instantiate(module, imports);
            exports = instance.exports as unknown as EspeakExports;
            if (segments) {
              data = new DataSegments(path, segments);
              data.write(exports.memory.buffer, exports.__emscripten_embedded_file_data.value);
            }
            receiveInstance(instance, module);
          })
          .catch(failInstantiation);
        return {};
      },
    });
    const module = await Promise.race([ready, instantiationFailed]);
    if (!exports) throw new Error('espeak-ng started without exposing its wasm exports');
    const memory = exports.memory.buffer;
    const wav = new WavSink(module.FS.ErrnoError);
    // Major 64: clear of the devices Emscripten registers itself (1: null, 5 and 6: ttys, 1–3 of /dev/random…).
    const device = module.FS.makedev(64, 0);
    module.FS.registerDevice(device, wav.ops);
    module.FS.mkdev(WAV_PATH, 0o666, device);
    const snapshot = MemorySnapshot.take(memory, embeddedFileRanges(module, memory));
    if (data) lazyFiles(module, memory, data);
    memoiseDataLookups(module);
    const engine = new EspeakEngine(module, exports, snapshot, wav);
    engine.stderr = lines;
    return engine;
  }

  /**
   * Runs `espeak-ng <args>` from the start-up state and returns the WAV it wrote to `WAV_PATH` (a view of the
   * sink's buffer: copy what is kept before the next run). Synchronous from start to end, so runs never interleave.
   */
  run(args: string[]): { status: number; wav?: Uint8Array; stderr: string[] } {
    const { exports, module } = this;
    this.snapshot.restore(exports.memory.buffer);
    this.stderr.length = 0;
    this.wav.reset();
    const argv = this.writeArgv(['espeak-ng', ...args]);
    const stack = exports.stackSave();
    let status: number;
    try {
      status = exports.__main_argc_argv(args.length + 1, argv);
    } catch (error) {
      if (!isExitStatus(error)) throw error;
      status = error.status;
    } finally {
      exports.stackRestore(stack);
    }
    // A run that exit()s midway leaves files open; their FILE structs vanish with the next restore, so close the
    // JavaScript side of every descriptor but stdin/stdout/stderr too.
    module.FS.streams.forEach((stream, fd) => {
      if (fd > 2 && stream) module.FS.close(stream);
    });
    const stderr = this.stderr.filter((line) => line.trim() !== '' && !line.startsWith('program exited'));
    const wav = this.wav.written();
    return wav ? { status, wav, stderr } : { status, stderr };
  }

  /** Copies argv into the wasm heap (the heap, not the 64 KiB stack, so long texts fit); freed by the next restore. */
  private writeArgv(args: string[]): number {
    const { exports } = this;
    const encoder = new TextEncoder();
    const pointers = args.map((arg) => {
      const bytes = encoder.encode(arg);
      const pointer = exports.malloc(bytes.length + 1);
      if (!pointer) throw new Error('espeak-ng heap exhausted while passing arguments');
      const heap = new Uint8Array(exports.memory.buffer);
      heap.set(bytes, pointer);
      heap[pointer + bytes.length] = 0;
      return pointer;
    });
    const argv = exports.malloc(4 * (pointers.length + 1));
    if (!argv) throw new Error('espeak-ng heap exhausted while passing arguments');
    const view = new DataView(exports.memory.buffer);
    pointers.forEach((pointer, i) => view.setUint32(argv + 4 * i, pointer, true));
    view.setUint32(argv + 4 * pointers.length, 0, true);
    return argv;
  }
}

function integerIn(name: string, value: number | undefined, fallback: number | undefined, min: number, max: number) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError('invalid espeak-ng option', [`${name} must be an integer from ${min} to ${max}, got ${value}`]);
  }
  return value;
}

export class EspeakSynthesizer implements SpeechSynthesizer {
  /**
   * The rate of every Pcm this synthesizer returns. Fixed, so the encoder can (and must) be created with it before the
   * first turn is synthesised.
   */
  readonly sampleRate: number = ESPEAK_SAMPLE_RATE;
  private readonly wordsPerMinute: number;
  private readonly pitch: number | undefined;
  private readonly maxCharsPerRun: number;
  private engine: Promise<EspeakEngine> | undefined;

  constructor(options: EspeakSynthesizerOptions = {}) {
    this.wordsPerMinute = integerIn('wordsPerMinute', options.wordsPerMinute, 165, 80, 450)!;
    this.pitch = integerIn('pitch', options.pitch, undefined, 0, 99);
    this.maxCharsPerRun = integerIn('maxCharsPerRun', options.maxCharsPerRun, 2000, 100, 100_000)!;
  }

  /**
   * Speaks `text` with an espeak-ng voice (`en-us+m3`, `en-us+f3`, `he+m3`, `he+f3`, …). Whitespace-only text gives
   * zero samples without running espeak. The audio ends where the speech ends (no trailing sentence pause): the caller
   * places the pauses. Throws DownstreamError (with cause) when espeak fails; an unknown voice is not retryable.
   */
  async synthesize(text: string, voice: string): Promise<Pcm> {
    // A NUL would end the C string early; the rest of the text must still be spoken.
    const clean = text.replace(/\0/g, ' ');
    if (!clean.trim()) return { sampleRate: this.sampleRate, samples: new Int16Array(0) };
    if (!VOICE_ID.test(voice)) throw new ValidationError('invalid espeak-ng voice id', [JSON.stringify(voice)]);
    const engine = await this.startedEngine();
    const pieces = splitForSynthesis(clean, this.maxCharsPerRun);
    const parts: Int16Array[] = [];
    for (const [i, piece] of pieces.entries()) {
      // -z drops the final sentence pause, but only after the last piece: between pieces it is the natural pause.
      const last = i === pieces.length - 1;
      const pcm = this.runOnce(engine, piece, voice, last);
      if (pcm.sampleRate !== this.sampleRate) {
        throw new DownstreamError(`espeak-ng produced ${pcm.sampleRate} Hz audio, expected ${this.sampleRate} Hz`, {
          retryable: false,
        });
      }
      parts.push(pcm.samples);
    }
    return { sampleRate: this.sampleRate, samples: concatenate(parts) };
  }

  /** Drops the engine (its 32 MB wasm memory); the next call starts a new one. */
  dispose(): void {
    this.engine = undefined;
  }

  private startedEngine(): Promise<EspeakEngine> {
    if (!this.engine) {
      const engine = EspeakEngine.start().catch((cause: unknown) => {
        if (this.engine === engine) this.engine = undefined;
        throw new DownstreamError('espeak-ng failed to start', { cause });
      });
      this.engine = engine;
    }
    return this.engine;
  }

  private runOnce(engine: EspeakEngine, text: string, voice: string, last: boolean): Pcm {
    const args = ['-D', '-v', voice, '-s', String(this.wordsPerMinute)];
    if (this.pitch !== undefined) args.push('-p', String(this.pitch));
    if (last) args.push('-z');
    // `--` ends the options, so text starting with "-" is spoken, not parsed.
    args.push('-w', WAV_PATH, '--', text);
    let result: ReturnType<EspeakEngine['run']>;
    try {
      result = engine.run(args);
    } catch (cause) {
      // A trap or abort may leave the instance unusable: start a new one next time.
      this.engine = undefined;
      throw new DownstreamError(`espeak-ng crashed speaking ${text.length} characters with voice ${voice}`, { cause });
    }
    const detail = result.stderr.join(' ').trim();
    if (result.status !== 0 || !result.wav) {
      const cause = new Error(detail || `espeak-ng exited with status ${result.status}`);
      throw new DownstreamError(`espeak-ng failed with voice ${voice}: ${cause.message}`, {
        retryable: !UNKNOWN_VOICE.test(detail),
        cause,
      });
    }
    try {
      const { sampleRate, samples } = parseWav(result.wav);
      // The WAV is the sink's reused buffer: the samples are copied out, the one allocation a turn costs.
      return { sampleRate, samples: samples.slice() };
    } catch (cause) {
      throw new DownstreamError('espeak-ng wrote an unreadable WAV file', { retryable: false, cause });
    }
  }
}
