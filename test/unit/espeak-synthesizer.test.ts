import { expect } from 'chai';
import { splitForSynthesis } from '../../src/adapters/espeak-synthesizer.ts';

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
