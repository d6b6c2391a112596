/**
 * Amazon Polly's English voices as data: each voice's language and the engines it has, best first. One table for
 * both sides of the seam: the podcast check (VOICE_ENGINE_SPECS.polly in engines.ts accepts exactly these voices) and
 * the synthesizer (src/adapters/polly-speech.ts asks for a voice's best engine), so a voice `podcast put`
 * accepts is one Polly speaks with an engine it has. Polly has no Hebrew voice at all, which is why the podcast check
 * refuses a Hebrew podcast with polly.
 *
 * Only the generative and neural engines are used: the standard engine's concatenative speech is what this project
 * is leaving behind. Voices: https://docs.aws.amazon.com/polly/latest/dg/available-voices.html (generative:
 * generative-voices.html, neural: neural-voices.html).
 */

export type PollyEngine = 'generative' | 'neural';

export interface PollyVoice {
  /** Polly's language code of the voice. */
  languageCode: string;
  /** The engines the voice has, the preferred one first. */
  engines: readonly [PollyEngine, ...PollyEngine[]];
}

const both = ['generative', 'neural'] as const;
const neural = ['neural'] as const;

export const POLLY_VOICES: Readonly<Record<string, PollyVoice>> = Object.freeze({
  // English (US)
  Danielle: { languageCode: 'en-US', engines: both },
  Joanna: { languageCode: 'en-US', engines: both },
  Matthew: { languageCode: 'en-US', engines: both },
  Ruth: { languageCode: 'en-US', engines: both },
  Salli: { languageCode: 'en-US', engines: both },
  Stephen: { languageCode: 'en-US', engines: both },
  Tiffany: { languageCode: 'en-US', engines: both },
  Gregory: { languageCode: 'en-US', engines: neural },
  Ivy: { languageCode: 'en-US', engines: neural },
  Joey: { languageCode: 'en-US', engines: neural },
  Justin: { languageCode: 'en-US', engines: neural },
  Kendra: { languageCode: 'en-US', engines: neural },
  Kevin: { languageCode: 'en-US', engines: neural },
  Kimberly: { languageCode: 'en-US', engines: neural },
  // English (British)
  Amy: { languageCode: 'en-GB', engines: both },
  Brian: { languageCode: 'en-GB', engines: both },
  Arthur: { languageCode: 'en-GB', engines: neural },
  Emma: { languageCode: 'en-GB', engines: neural },
  // Other English variants
  Olivia: { languageCode: 'en-AU', engines: both },
  Kajal: { languageCode: 'en-IN', engines: both },
  Niamh: { languageCode: 'en-IE', engines: both },
  Aria: { languageCode: 'en-NZ', engines: both },
  Ayanda: { languageCode: 'en-ZA', engines: both },
  Jasmine: { languageCode: 'en-SG', engines: neural },
});

/** The engine a voice is spoken with: its best one (generative where it has it), else undefined for an unknown voice. */
export function pollyEngineFor(voice: string): PollyEngine | undefined {
  return Object.hasOwn(POLLY_VOICES, voice) ? POLLY_VOICES[voice]!.engines[0] : undefined;
}
