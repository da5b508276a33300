/**
 * One copy of each text: the levers inspect ranks and the findings `goslim binary` reports carry the
 * vocabulary's fix/lose/keep, and no other source file repeats a vocabulary sentence.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attributeCauses } from '../analysis/causes.js';
import { startVerdict } from '../analysis/go-binaries.js';
import { rankLevers } from '../analysis/levers.js';
import { fatImage } from '../analysis/test-helpers.js';
import type { GoBinary, GoBinaryFacts } from '../analysis/types.js';
import { binaryFindings } from '../binary/findings.js';
import { CAUSE_DOCS, CAUSE_IDS } from './causes.js';
import { CHECK_DOCS, CHECK_IDS } from './checks.js';
import { LEVER_DOCS, LEVER_IDS } from './levers.js';

const SRC = join(fileURLToPath(new URL('.', import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('vocabulary', () => {
  it('each entry is keyed by its own id and has its text and https sources', () => {
    for (const [ids, docs] of [
      [LEVER_IDS, LEVER_DOCS],
      [CAUSE_IDS, CAUSE_DOCS],
      [CHECK_IDS, CHECK_DOCS],
    ] as const) {
      expect(Object.keys(docs).sort()).toEqual([...ids].sort());
      for (const id of ids) {
        const d = (docs as Record<string, { id: string; title: string; summary: string; fix: string; references: Array<{ url: string }> }>)[id]!;
        expect(d.id).toBe(id);
        for (const t of [d.title, d.summary, d.fix]) expect(t.length).toBeGreaterThan(2);
        expect(d.references.length).toBeGreaterThan(0);
        for (const r of d.references) expect(r.url).toMatch(/^https:\/\//);
      }
    }
  });

  it('inspect levers and binary findings carry the vocabulary text', () => {
    const facts: GoBinaryFacts = {
      path: 'src/greeter',
      size: 5000,
      linking: 'dynamic',
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libc.so.6'],
      go: { version: 'go1.19.8' },
      strip: { symtab: 700, dwarf: 1300, alignment: 0, total: 2000 },
      trimpath: { leakedPaths: 12, examples: ['/src/cmd/greeter/main.go'], estimatedBytes: 300 },
    };
    const { files, ctx, db, fs } = fatImage();
    const gb: GoBinary = { ...facts, ...startVerdict(facts, fs) };
    const levers = rankLevers({ files, attribution: attributeCauses(files, ctx), db, goBinaries: [gb] }).levers;
    expect(levers.length).toBeGreaterThan(3);
    for (const l of levers) expect({ fix: l.fix, lose: l.lose, keep: l.keep }).toEqual({ fix: LEVER_DOCS[l.id].fix, lose: LEVER_DOCS[l.id].lose, keep: LEVER_DOCS[l.id].keep });

    const findings = binaryFindings({
      strip: facts.strip,
      trimpath: { leakedPaths: 12, files: 40, examples: ['/src/main.go'], estimatedBytes: 300, parts: { pclntab: 300, dwarfLine: null, gdbScripts: 0 } },
      linking: 'dynamic',
      needed: ['libc.so.6'],
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      cgo: { used: true, runtimeCgo: true, externalLinking: true, libraries: ['libc.so.6'] },
      go: null,
      sections: [],
      cgoBytes: 100,
    });
    expect(findings.map((f) => f.lever).sort()).toEqual(['cgo-off', 'strip-symbols', 'trimpath']);
    for (const f of findings) expect({ fix: f.fix, lose: f.lose, keep: f.keep }).toEqual({ fix: LEVER_DOCS[f.lever].fix, lose: LEVER_DOCS[f.lever].lose, keep: LEVER_DOCS[f.lever].keep });
  });

  it('no other source file repeats a lever, cause or check sentence', () => {
    // Descriptions by their first 40 characters (a near copy counts); fixes, which other code
    // legitimately words alike ("build with CGO_ENABLED=0 ..."), only as whole sentences.
    const prefixes = [
      ...Object.values(LEVER_DOCS).flatMap((d) => [d.summary, d.removes, d.lose, d.keep, d.check]),
      ...Object.values(CAUSE_DOCS).flatMap((d) => [d.summary, d.why]),
      ...Object.values(CHECK_DOCS).flatMap((d) => [d.summary, d.why]),
    ]
      .filter((t) => t.length >= 40)
      .map((t) => t.slice(0, 40));
    const wholes = [...Object.values(LEVER_DOCS), ...Object.values(CAUSE_DOCS), ...Object.values(CHECK_DOCS)].map((d) => d.fix).filter((t) => t.length >= 40);
    const copies: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file);
      if (rel.startsWith('vocabulary')) continue;
      const text = readFileSync(file, 'utf8');
      for (const t of [...prefixes, ...wholes]) if (text.includes(t)) copies.push(`${rel}: "${t.slice(0, 40)}…"`);
    }
    expect(copies).toEqual([]);
  });
});
