/**
 * Saved reports as `goslim compare` reads them: a real-shaped `inspect --json` and `binary --json`
 * document with one field (one the compare core reads) set to an arbitrary JSON value, or arbitrary
 * JSON text; parsed and checked (parseSavedReport), then compared with an untouched report and
 * rendered as text, Markdown and HTML (the HTML page also reads the file tree and size trees of
 * `inspect --json --tree` and a binary report's layout). A value the shape check let through that the comparison or a
 * renderer then trips on (a TypeError past validation) is the bug this finds.
 */
import fc from 'fast-check';
import { DEFAULT_COST_MODEL } from '../../../src/analysis/cost.js';
import { compareBinaries, compareImages, parseSavedReport, type BinaryInput, type InspectInput } from '../../../src/compare/index.js';
import { checkCompareBudgets, parseMaxGrowth } from '../../../src/compare/budgets.js';
import { renderCompareMarkdown } from '../../../src/report/compare-markdown.js';
import { renderCompareText } from '../../../src/report/compare-text.js';
import { renderCompareHtml } from '../../../src/report/html/compare-html.js';
import type { FuzzTarget } from '../target.js';

type Json = Record<string, unknown>;

function inspectDoc(): Json {
  return {
    schemaVersion: 1,
    kind: 'inspect',
    image: { ref: 'oci:x', digest: 'sha256:00', platform: 'linux/amd64', compressedSize: 100, size: 300, fileBytes: 290, files: 2 },
    layers: [{ number: 1, digest: 'sha256:01', diffId: 'sha256:02', compressedSize: 100, size: 300, createdBy: 'COPY app /app', files: 2, added: 2, modified: 0, deleted: 0, deletedBytes: 0 }],
    causes: [{ id: 'go-binary', bytes: 200, files: 1 }],
    packages: [{ name: 'tzdata', cause: 'runtime-essentials', bytes: 90, files: 1 }],
    goBinaries: [{ path: 'app', size: 200, linking: 'static', go: { version: 'go1.19.8', path: 'example.com/app' }, strip: { symtab: 1, dwarf: 2, total: 3 }, trimpath: { leakedPaths: 0, examples: [] }, willStart: true, sizeTree: { n: '/app', d: [{ n: '.text', b: 150, k: 'section' }, { n: 'headers and padding', b: 50, k: 'headers' }] } }],
    wasted: { bytes: 10, efficiency: 0.97 },
    tree: { causes: ['go-binary', 'runtime-essentials'], packages: ['tzdata'], smallFileBytes: 0, smallFiles: { files: 0, bytes: 0 }, hidden: [[1, 10]], root: { n: '', d: [{ n: 'usr', f: [['zone', 90, 1, 0, 1]] }], f: [['app', 200, 0, -1, 1]] } },
    levers: [{ id: 'strip-symbols', bytes: 3, title: 't', fix: 'f', lose: 'l', keep: 'k' }],
    startup: { image: { ref: '', digest: '', platform: '' }, command: ['/app'], verdict: 'pass', checks: [{ id: 'entrypoint', status: 'pass', message: 'ok' }] },
  };
}

function binaryDoc(): Json {
  return {
    path: 'app',
    size: 1000,
    linking: 'static',
    go: { version: 'go1.19.8', path: 'example.com/app', main: { path: 'example.com/app', version: '(devel)', sum: '' }, deps: [{ path: 'github.com/x/y', version: 'v1', sum: '', replace: null }], settings: { '-ldflags': '-s -w', CGO_ENABLED: '0' } },
    sections: [{ name: '.text', size: 500, compressed: false }, { name: '.symtab', size: 100, compressed: false }],
    strip: { symtab: 100, dwarf: 0, total: 100 },
    trimpath: { leakedPaths: 0, files: 3, examples: [], estimatedBytes: 0 },
    packages: [{ name: 'main', size: 10 }, { name: 'github.com/x/y/z', size: 20 }],
    cgo: { used: false, runtimeCgo: false, externalLinking: false, libraries: [] },
    findings: [{ id: 'x', lever: 'strip-symbols', bytes: 100, estimated: false, title: '', fix: '', lose: '', keep: '', explain: '' }],
    layout: { sections: 600, headersAndPadding: 400 },
  };
}

const FIELDS: Record<'inspect' | 'binary', string[][]> = {
  inspect: [[], ['kind'], ['image'], ['image', 'size'], ['image', 'ref'], ['layers'], ['layers', '0'], ['layers', '0', 'diffId'], ['layers', '0', 'createdBy'], ['layers', '0', 'number'], ['causes', '0', 'id'], ['packages', '0'], ['packages', '0', 'name'], ['goBinaries', '0'], ['goBinaries', '0', 'go'], ['goBinaries', '0', 'go', 'version'], ['goBinaries', '0', 'go', 'path'], ['goBinaries', '0', 'strip'], ['goBinaries', '0', 'problem'], ['goBinaries', '0', 'cgoBytes'], ['levers', '0', 'id'], ['levers', '0', 'verdict'], ['startup'], ['startup', 'verdict'], ['startup', 'checks', '0'], ['startup', 'checks', '0', 'message'], ['tree'], ['tree', 'root'], ['tree', 'root', 'f', '0'], ['tree', 'root', 'd', '0', 'f', '0', '3'], ['tree', 'causes'], ['tree', 'hidden'], ['tree', 'root', 'd'], ['goBinaries', '0', 'sizeTree'], ['goBinaries', '0', 'sizeTree', 'd', '0', 'b'], ['wasted']],
  binary: [[], ['kind'], ['path'], ['size'], ['go'], ['go', 'settings'], ['go', 'settings', '-ldflags'], ['go', 'main'], ['go', 'deps', '0'], ['go', 'version'], ['sections', '0'], ['sections', '0', 'name'], ['strip', 'total'], ['trimpath'], ['packages', '0', 'name'], ['cgo'], ['findings', '0', 'lever'], ['findings', '0', 'bytes'], ['linking'], ['layout'], ['layout', 'headersAndPadding'], ['trimpath', 'estimatedBytes'], ['sections', '0', 'compressed']],
};

function setPath(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  let o = doc as Json;
  for (const k of path.slice(0, -1)) {
    if (o === null || typeof o !== 'object') return doc;
    o = o[k] as Json;
  }
  if (o !== null && typeof o === 'object') o[path[path.length - 1]!] = value;
  return doc;
}

const SIDES = { a: { input: 'a', source: 'inspect-report' as const }, b: { input: 'b', source: 'inspect-report' as const } };

interface Input {
  kind: 'inspect' | 'binary';
  field: number;
  value: unknown;
  text: string | null;
}

function run(input: Input): void {
  const base = input.kind === 'inspect' ? inspectDoc() : binaryDoc();
  const fields = FIELDS[input.kind];
  const text = input.text ?? JSON.stringify(setPath(base, fields[input.field % fields.length]!, input.value));
  // The untouched document must parse: a typed error here would pass every input without testing anything.
  let other;
  try {
    other = parseSavedReport(JSON.stringify(input.kind === 'inspect' ? inspectDoc() : binaryDoc()), 'base.json');
  } catch (err) {
    throw new Error(`saved-report target: its own ${input.kind} document does not parse: ${(err as Error).message}`);
  }
  const saved = parseSavedReport(text, 'fuzz.json');
  for (const [a, b] of [[saved, other], [other, saved]] as const) {
    const r = a.kind === 'inspect' && b.kind === 'inspect'
      ? compareImages(a.report as InspectInput, b.report as InspectInput, SIDES, { cost: { ...DEFAULT_COST_MODEL }, costDefaults: { bandwidth: true, nodes: true, keptTags: true } })
      : a.kind === 'binary' && b.kind === 'binary'
        ? compareBinaries(a.report as BinaryInput, b.report as BinaryInput, SIDES)
        : undefined;
    if (!r) continue;
    renderCompareText(r);
    renderCompareMarkdown(r);
    renderCompareHtml(r.subject === 'image'
      ? { report: r, budgets: [], a: a.report as InspectInput, b: b.report as InspectInput }
      : { report: r, budgets: [], a: a.report as BinaryInput, b: b.report as BinaryInput });
    JSON.stringify(r);
    checkCompareBudgets(r, { maxGrowth: parseMaxGrowth('1%'), failOnNewLever: true });
  }
}

export const target: FuzzTarget = {
  name: 'saved-report',
  arbitrary: fc.record({
    kind: fc.constantFrom<'inspect' | 'binary'>('inspect', 'binary'),
    field: fc.nat(),
    value: fc.oneof(fc.jsonValue(), fc.constantFrom(null, -1, 1.5, 1e300, '', 'x', [], {}, true)),
    // Mostly one field of a real-shaped report changed; sometimes arbitrary text.
    text: fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: fc.oneof(fc.json(), fc.string({ maxLength: 200 })), weight: 1 }),
  }),
  run: (input) => run(input as Input),
  ciRuns: 1000,
};
