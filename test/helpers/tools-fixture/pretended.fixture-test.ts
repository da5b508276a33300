// Needs sh, which is always here: skipped only when GOSLIM_TEST_NO_TOOLS pretends it away.
import { expect, it } from 'vitest';
import { describeWithTools } from '../tools.js';

describeWithTools(['sh'], 'needs sh', () => {
  it('runs sh-needing code', () => expect(1).toBe(1));
});

it('needs nothing and runs', () => expect(2).toBe(2));
