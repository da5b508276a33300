/**
 * Import sites of dependency modules (issue 15, "heaviest dependencies"): which main-module packages
 * pull each dependency into the binary, read from the binary's calls and pcfile tables. The oracle is
 * the twopkg fixture's source (test/fixtures/go/twopkg): only render imports example.com/tmpl, tmpl
 * imports example.com/textutil, main and store import example.com/shared. render.Page is inlined into
 * main.main and textutil.Upper into tmpl.Execute, so the calls and inlined code must be placed by the
 * pcfile tables, not by the function that holds them.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { buildFixtures, IMPORT_SITES } from '../../test/fixtures/go/build-fixtures.js';
import { describeWithTools } from '../../test/helpers/tools.js';
import { analyzeBinary } from './analyze.js';
import { binaryHints } from './findings.js';
import type { BinaryReport } from './types.js';

const ORACLE: Record<string, string[]> = {
  'example.com/tmpl': ['example.com/twopkg/render'],
  'example.com/textutil': ['example.com/twopkg/render'],
  'example.com/shared': ['example.com/twopkg/store', 'main'],
};

describeWithTools(['go'], 'import sites of dependency modules (twopkg fixture)', () => {
  const reports = new Map<string, BinaryReport>();
  beforeAll(async () => {
    const bins = await buildFixtures(IMPORT_SITES);
    for (const [name, path] of bins) reports.set(name, analyzeBinary(readFileSync(path), { path }));
  }, 600_000);

  for (const spec of IMPORT_SITES) {
    it(`${spec.name}: every dependency module names the main-module packages of the source`, () => {
      const r = reports.get(spec.name)!;
      const via = Object.fromEntries(r.modules.filter((m) => m.via !== undefined).map((m) => [m.path, m.via]));
      expect(via).toEqual(ORACLE);
      // Only dependencies carry it: the main module, std and the runtime do not.
      expect(r.modules.find((m) => m.path === 'example.com/twopkg')?.via).toBeUndefined();
      expect(r.modules.find((m) => m.path === 'std')?.via).toBeUndefined();
    });
  }

  it('the heavy-dependencies hint says "pulled in only through" for a module with one import site', () => {
    const r = reports.get('twopkg.default')!;
    // The fixture's modules are tiny; the hint appears once the largest is 1 % of the file: scale the file down.
    const size = 100_000;
    const hints = binaryHints({ ...r, size });
    const h = hints.find((x) => x.hint === 'heavy-dependencies')!;
    expect(h).toBeDefined();
    const tmpl = h.items.find((i) => i.name.startsWith('example.com/tmpl '))!;
    expect(tmpl.via).toEqual(['example.com/twopkg/render']);
    expect(tmpl.note).toContain('pulled in only through example.com/twopkg/render');
    const shared = h.items.find((i) => i.name.startsWith('example.com/shared '))!;
    expect(shared.via).toEqual(['example.com/twopkg/store', 'main']);
    expect(shared.note).not.toContain('only through');
    expect(h.title).toContain('pulled in only through one package of the main module: example.com/tmpl');
  });
});
