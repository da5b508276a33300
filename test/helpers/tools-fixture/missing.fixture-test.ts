// Needs a tool that is never installed: skipped (and summarised) locally, a failure with CI=true.
import { expect, it } from 'vitest';
import { describeWithTools, itWithTools } from '../tools.js';

describeWithTools(['goslim-no-such-tool'], 'needs a tool that is never installed', () => {
  it('first', () => expect(1).toBe(1));
  it('second', () => expect(2).toBe(2));
});

itWithTools(['goslim-no-such-tool'], 'one test that needs it', () => expect(3).toBe(3));

it('needs nothing and runs', () => expect(4).toBe(4));
