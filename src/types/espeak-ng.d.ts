// espeak-ng (npm) ships no type declarations; src/adapters/espeak-synthesizer.ts types the part it uses.
declare module 'espeak-ng' {
  const factory: (options: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
