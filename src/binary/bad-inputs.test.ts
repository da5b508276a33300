/** Table-driven: every file in test/fixtures/binary-bad/ raises the error code its name starts with. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { badInputs } from '../../test/fixtures/binary-bad/generate.js';
import { GoslimError } from '../errors.js';
import { analyzeBinary } from './analyze.js';

const DIR = join(import.meta.dirname, '../../test/fixtures/binary-bad');
const generated = badInputs();
if (process.env.GOSLIM_REGENERATE === '1') {
  for (const [name, bytes] of Object.entries(generated)) writeFileSync(join(DIR, name), bytes);
}
const files = readdirSync(DIR).filter((f) => f.endsWith('.bin')).sort();

describe('broken inputs', () => {
  it('the folder holds exactly what the generator makes', () => {
    expect(files).toEqual(Object.keys(generated).sort());
    for (const f of files) expect(Buffer.from(readFileSync(join(DIR, f))).equals(Buffer.from(generated[f] as Uint8Array)), f).toBe(true);
  });

  it.each(files)('%s', (file) => {
    const code = file.split('.')[0] as string;
    const bytes = readFileSync(join(DIR, file));
    let caught: unknown;
    try {
      analyzeBinary(bytes, { path: file, requireGo: code === 'E_NOT_GO_BINARY' });
    } catch (err) {
      caught = err;
    }
    expect(caught, `${file} did not throw`).toBeInstanceOf(GoslimError);
    expect((caught as GoslimError).code).toBe(code);
    expect(existsSync(join(DIR, file))).toBe(true);
  });
});
