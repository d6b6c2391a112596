import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { GENERATED, generate } from '../../scripts/generate-validators.ts';

describe('generated contract validators', () => {
  it('are up to date with src/core/schemas.ts (run make build after changing a schema)', function () {
    this.timeout(30_000);
    expect(readFileSync(GENERATED, 'utf8') === generate(), 'src/core/validators.generated.js is stale').to.equal(true);
  });
});
