import { expect } from 'chai';
import { wordErrorRate, words } from '../../bench/word-error-rate.ts';

describe('word error rate (bench/intelligibility.ts)', () => {
  it('is 0 for a transcript that matches, whatever the case and punctuation', () => {
    expect(wordErrorRate('The mayor said: "Work begins in spring."', 'the mayor said work begins in spring')).to.equal(0);
  });

  it('counts a substituted, a missing and an added word as one error each, over the reference length', () => {
    expect(wordErrorRate('one two three four', 'one too three four')).to.equal(0.25);
    expect(wordErrorRate('one two three four', 'one three four')).to.equal(0.25);
    expect(wordErrorRate('one two three four', 'one two three four five')).to.equal(0.25);
  });

  it('finds the fewest edits, not a word-by-word comparison: a dropped first word is one error, not four', () => {
    expect(wordErrorRate('a b c d', 'b c d')).to.equal(0.25);
  });

  it('is 1 for an empty transcript, and can exceed 1 when the recogniser adds words', () => {
    expect(wordErrorRate('one two', '')).to.equal(1);
    expect(wordErrorRate('one', 'x y z')).to.equal(3);
    expect(wordErrorRate('', '')).to.equal(0);
  });

  it('keeps inner apostrophes and drops quoting ones', () => {
    expect(words("'Don't' stop, it's fine")).to.deep.equal(["don't", 'stop', "it's", 'fine']);
  });
});
