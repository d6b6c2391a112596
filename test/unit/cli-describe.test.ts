import { expect } from 'chai';
import { generationLines, lengthText } from '../../src/cli/describe.ts';

describe('the CLI shows length and how a script was written', () => {
  it("a podcast's length: its target_minutes, or what its frequency gives and that it comes from there", () => {
    expect(lengthText({ episode_frequency_hours: 24 })).to.equal('10 min (from the frequency: an episode every 24 h)');
    expect(lengthText({ episode_frequency_hours: 6 })).to.equal('5 min (from the frequency: an episode every 6 h)');
    expect(lengthText({ episode_frequency_hours: 24, target_minutes: 15 })).to.equal('15 min (target_minutes)');
  });

  it('an offline script: words, estimated against target minutes, why it is short, what was left out', () => {
    expect(
      generationLines({ writer: 'offline', target_minutes: 10, words: 450, estimated_minutes: 3.1, short_because: 'the 3 posts hold about 3.1 minutes', posts_left_out: 0, promotional_dropped: 2 }),
    ).to.deep.equal([
      '  script: offline, 450 words, about 3.1 min for a target of 10 min',
      '  short because the 3 posts hold about 3.1 minutes',
      '  2 promotional post(s) dropped',
    ]);
  });

  it("a model's script: the model, its requests, tokens, repairs and estimated cost", () => {
    const lines = generationLines({
      writer: 'bedrock',
      model: 'bedrock amazon.nova-lite-v1:0',
      target_minutes: 10,
      words: 1500,
      estimated_minutes: 9.7,
      posts_left_out: 12,
      usage: { requests: 4, input_tokens: 8000, output_tokens: 2100, estimated_cost_usd: 0.00113, repairs: 1 },
    });
    expect(lines).to.deep.equal([
      '  script: bedrock (bedrock amazon.nova-lite-v1:0), 1500 words, about 9.7 min for a target of 10 min',
      '  12 post(s) left out for length',
      '  model usage: 4 request(s), 8000 input + 2100 output tokens, 1 repair(s), about $0.0011',
    ]);
  });
});
