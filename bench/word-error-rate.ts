/** Word error rate, the usual measure of how much of a passage a speech recogniser got wrong. */

/** The words of `text` as a recogniser writes them: lower case, no punctuation but inner apostrophes. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .split(/\s+/)
    .map((word) => word.replace(/^'+|'+$/g, ''))
    .filter(Boolean);
}

/**
 * (substitutions + deletions + insertions) / reference words, by word-level edit distance: 0 is a perfect transcript,
 * 1 is as many errors as words (it can exceed 1 when the recogniser adds words). An empty reference gives 0 for an
 * empty hypothesis, else 1.
 */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = words(reference);
  const hyp = words(hypothesis);
  if (!ref.length) return hyp.length ? 1 : 0;
  // One row of the edit-distance table at a time: previous[j] is the distance between ref[0..i) and hyp[0..j).
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j]! + 1, current[j - 1]! + 1));
    }
    previous = current;
  }
  return previous[hyp.length]! / ref.length;
}
