import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withTable } from '../../scripts/configTable.ts';

describe('README', () => {
  it('lists every configuration variable exactly as config.ts declares it (npm run docs:config)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withTable(readme));
  });
});
