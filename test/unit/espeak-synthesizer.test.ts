import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitForSynthesis, splitWasm } from '../../src/adapters/espeak-synthesizer.ts';

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe('splitForSynthesis (long texts go to espeak-ng in several runs)', () => {
  it('keeps a text that fits as one piece', () => {
    expect(splitForSynthesis('One sentence. And another one.', 100)).to.deep.equal(['One sentence. And another one.']);
  });

  it('cuts at sentence ends, fills each piece up to the limit and loses nothing', () => {
    const sentences = Array.from({ length: 20 }, (_, i) => `Sentence number ${i + 1} is here.`);
    const pieces = splitForSynthesis(sentences.join(' '), 100);
    expect(pieces.length).to.be.greaterThan(4);
    for (const piece of pieces) {
      expect(piece.length).to.be.at.most(100);
      expect(piece).to.match(/here\.$/);
    }
    expect(words(pieces.join(' '))).to.deep.equal(words(sentences.join(' ')));
  });

  it('cuts a sentence longer than the limit at spaces, and a word longer than the limit anywhere', () => {
    const long = `${'word '.repeat(60)}${'x'.repeat(130)} end.`;
    const pieces = splitForSynthesis(long, 50);
    for (const piece of pieces) expect(piece.length).to.be.at.most(50);
    expect(pieces.join('').replace(/\s+/g, '')).to.equal(long.replace(/\s+/g, ''));
    expect(pieces.filter((p) => p.startsWith('word')).every((p) => p.endsWith('word'))).to.equal(true);
  });

  it('finds sentence ends in Hebrew text', () => {
    const hebrew = 'שלום וברוכים הבאים. היום נדבר על החדשות. תודה שהאזנתם!';
    expect(splitForSynthesis(hebrew, 30)).to.deep.equal(['שלום וברוכים הבאים.', 'היום נדבר על החדשות.', 'תודה שהאזנתם!']);
  });
});

describe('splitWasm (espeak-ng compiled without its 18 MB of data)', () => {
  const packaged = fileURLToPath(new URL('../../node_modules/espeak-ng/dist/espeak-ng.wasm', import.meta.url));
  const wasm = (globalThis as unknown as { WebAssembly: { Module: WasmModuleClass } }).WebAssembly.Module;
  interface WasmModuleClass {
    new (bytes: Uint8Array): object;
    exports(module: object): Array<{ name: string; kind: string }>;
    imports(module: object): Array<{ module: string; name: string; kind: string }>;
  }

  it('keeps the code of the package’s file (same imports and exports) and lists its data segments by address', () => {
    const split = splitWasm(packaged)!;
    expect(split.code.length).to.be.below(1024 * 1024);
    const whole = new wasm(readFileSync(packaged));
    const code = new wasm(split.code);
    expect(wasm.exports(code)).to.deep.equal(wasm.exports(whole));
    expect(wasm.imports(code)).to.deep.equal(wasm.imports(whole));
    const dataBytes = split.segments.reduce((n, segment) => n + segment.length, 0);
    expect(split.code.length + dataBytes).to.be.within(statSync(packaged).size - 64, statSync(packaged).size);
    expect(split.segments.length).to.be.greaterThan(0);
  });

  it('declines a file it cannot split (a passive data segment): such a file is compiled whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telecast-wasm-'));
    try {
      const path = join(dir, 'passive.wasm');
      // magic, version 1, memory section (one memory of 1 page), data section: one passive segment of one byte.
      writeFileSync(path, Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 11, 4, 1, 1, 1, 42]));
      expect(splitWasm(path)).to.equal(undefined);
      // An active segment at i32.const 16 is split: the code keeps the memory section only.
      writeFileSync(path, Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 11, 7, 1, 0, 0x41, 16, 0x0b, 1, 42]));
      const split = splitWasm(path)!;
      expect([...split.code]).to.deep.equal([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1]);
      expect(split.segments).to.deep.equal([{ address: 16, fileOffset: 21, length: 1 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
