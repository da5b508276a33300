import { describe, expect, it } from 'vitest';
import { DEFAULT_COST_MODEL } from '../analysis/cost.js';
import { compareBinaries, type BinaryInput } from '../compare/binaries.js';
import { compareImages, type InspectInput } from '../compare/images.js';
import { renderCompareMarkdown } from './compare-markdown.js';
import { renderCompareText } from './compare-text.js';

const SIDES = { a: { input: 'before.json', source: 'inspect-report' as const }, b: { input: 'oci:after', source: 'image' as const } };

function image(size: number, compressedSize: number, over: Partial<InspectInput> = {}): InspectInput {
  return {
    image: { ref: 'r', source: { transport: 'oci' }, digest: 'sha256:0123456789abcdef0123', platform: 'linux/amd64', compressedSize, compressed: { method: 'blob' }, size, fileBytes: size, files: 3 },
    layers: [{ number: 1, digest: 'd', diffId: 'x', size, compressedSize, compressedMethod: 'blob', createdBy: 'COPY app /app | tee', files: 3, added: 3, modified: 0, deleted: 0, deletedBytes: 0 }],
    causes: [{ id: 'go-binary', bytes: size, files: 1 }],
    packages: [],
    largestFiles: [],
    goBinaries: [],
    wasted: { bytes: 0, efficiency: 1 },
    levers: [],
    headline: '',
    estimate: { size, compressedSize, parts: [], method: '' },
    anomalies: 0,
    ...over,
  };
}

const OPTS = { cost: { ...DEFAULT_COST_MODEL, nodes: 3 }, costDefaults: { bandwidth: true, nodes: false, keptTags: true } };

describe('compare renderers', () => {
  const r = compareImages(image(1_000_000, 400_000), image(1_042_000, 410_000, { levers: [{ id: 'docs', bytes: 9000, title: 't', fix: '', lose: '', keep: '' }] }), SIDES, OPTS);

  it('text: headline, sizes, verdicts, levers with their vocabulary titles, the cost model with its defaults', () => {
    const t = renderCompareText(r);
    expect(t).toContain('=> +42.0 kB (+4.2 %): 1.00 MB -> 1.04 MB');
    expect(t).toContain('A  before.json (saved report)');
    expect(t).toMatch(/Will it start\?\s+A: not known: /);
    expect(t).toMatch(/\[docs\] 9\.0 kB in B\s+NEW\s+\S/);
    expect(t).toContain('disk, 3 nodes');
    expect(t).toContain('bandwidth default, nodes set, kept tags default');
    expect(t).toMatch(/1 -> 1\s+rebuilt|1 -> 1\s+same/);
  });

  it('markdown: one heading with the headline, tables with escaped pipes, long lists in <details>', () => {
    const m = renderCompareMarkdown(r);
    expect(m.split('\n')[0]).toBe('## goslim compare: +42.0 kB (+4.2 %): 1.00 MB -> 1.04 MB');
    expect(m).toContain('| uncompressed | 1.0 MB | 1.0 MB | +42.0 kB (+4.2 %) |');
    expect(m).toContain('<details><summary>Layers: 1</summary>');
    expect(m).toContain('`COPY app /app | tee`');
    expect(m).toContain('**new**');
    expect(m).not.toMatch(/<(script|style|iframe)/);
  });

  it('binaries: the lever and the exact bytes in text and markdown', () => {
    const base: BinaryInput = {
      path: 'a', size: 3000, linking: 'static', go: null, packages: [], cgo: { used: false, runtimeCgo: false, externalLinking: false, libraries: [] }, findings: [],
      sections: [{ name: '.text', size: 1000, compressed: false }, { name: '.symtab', size: 1000, compressed: false }],
      strip: { symtab: 1000, dwarf: 0, alignment: 0, total: 1000 }, trimpath: { leakedPaths: 0, files: 0, examples: [], estimatedBytes: 0, parts: { pclntab: 0, dwarfLine: null, gdbScripts: 0 } },
    };
    const c = compareBinaries(base, { ...base, path: 'b', size: 1900, sections: [{ name: '.text', size: 1000, compressed: false }], strip: { symtab: 0, dwarf: 0, alignment: 0, total: 0 } }, { a: { input: 'a', source: 'binary' }, b: { input: 'b', source: 'binary' } });
    expect(renderCompareText(c)).toMatch(/\[strip-symbols\] -1\.1 kB \(-1100 B\)/);
    expect(renderCompareMarkdown(c)).toContain('`strip-symbols` -1.1 kB');
  });
});
