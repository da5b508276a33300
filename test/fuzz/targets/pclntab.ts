/**
 * pclntab: tables in all four layouts (Go 1.2, 1.16, 1.18, 1.20) with random functions, files,
 * byte order, pointer size and quantum, then mutated (header words, offsets, anywhere) and parsed
 * directly: strict, as a file-truncated prefix, and with a function visitor.
 */
import fc from 'fast-check';
import { ByteView } from '../../../src/binary/bytes.js';
import { looksLikePclntab, parsePclntab } from '../../../src/binary/pclntab.js';
import { buildPclntab } from '../../fixtures/go/elf-builder.js';
import { applyEdits, editsArb, type Edit } from '../mutate.js';
import type { FuzzTarget } from '../target.js';

interface Input {
  layout: '1.2' | '1.16' | '1.18' | '1.20';
  functions: Array<{ name: string; size: number }>;
  files: string[];
  le: boolean;
  ptrSize: 4 | 8;
  quantum: number;
  edits: Edit[];
  truncated: boolean;
}

export const target: FuzzTarget<Input> = {
  name: 'pclntab',
  arbitrary: fc.record({
    layout: fc.constantFrom('1.2' as const, '1.16' as const, '1.18' as const, '1.20' as const),
    functions: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), size: fc.integer({ min: 1, max: 4096 }) }), { minLength: 1, maxLength: 12 }),
    files: fc.array(fc.string({ maxLength: 30 }), { maxLength: 6 }),
    le: fc.boolean(),
    ptrSize: fc.constantFrom(4 as const, 8 as const),
    quantum: fc.constantFrom(1, 2, 4),
    edits: fc.oneof(fc.constant([] as Edit[]), editsArb(5)),
    truncated: fc.boolean(),
  }),
  run(i) {
    const table = buildPclntab(i.layout, i.functions, i.files, { le: i.le, ptrSize: i.ptrSize, quantum: i.quantum });
    // Aim half the edits at the header (first 8 + 8 words).
    const bytes = applyEdits(table, [{ offset: 0, size: 8 + 8 * i.ptrSize }, { offset: 0, size: table.length }], i.edits);
    looksLikePclntab(new ByteView(bytes), 0);
    let seen = 0;
    const r = parsePclntab(bytes, i.truncated, () => void seen++);
    if (seen !== r.nfunc) throw new Error(`visitor saw ${seen} of ${r.nfunc} functions`);
    return parsePclntab(bytes, i.truncated);
  },
  ciRuns: 500,
};
