import { describe, expect, it } from 'vitest';
import { buildFileTree, treeBytes, type TreeDir } from './file-tree.js';
import type { CauseId } from '../vocabulary/causes.js';

const causeOf = (p: string): { cause: CauseId; package?: string } =>
  p.startsWith('usr/lib/go') ? { cause: 'go-toolchain', package: 'golang-1.19-go' } : p.includes('/doc/') ? { cause: 'docs' } : { cause: 'other' };

function countKept(d: TreeDir): number {
  return (d.f?.length ?? 0) + (d.d ?? []).reduce((s, c) => s + countKept(c), 0);
}
function countSmall(d: TreeDir): number {
  return (d.s ?? []).reduce((s, x) => s + x[0], 0) + (d.d ?? []).reduce((s, c) => s + countSmall(c), 0);
}
function find(d: TreeDir, path: string): TreeDir | undefined {
  let cur: TreeDir | undefined = d;
  for (const p of path.split('/')) cur = cur?.d?.find((x) => x.n === p);
  return cur;
}

describe('buildFileTree', () => {
  it('keeps every file when there are few, with cause, package and layer, grouped by directory', () => {
    const files = [
      { path: 'usr/lib/go/bin/go', charged: 900, layer: 1 },
      { path: 'usr/share/doc/a/copyright', charged: 30, layer: 0 },
      { path: 'app', charged: 70, layer: 2 },
      { path: 'empty', charged: 0, layer: 2 },
    ];
    const t = buildFileTree(files, { causeOf });
    expect(t.smallFileBytes).toBe(0);
    expect(treeBytes(t.root)).toBe(1000);
    expect(t.root.f).toEqual([['app', 70, t.causes.indexOf('other'), -1, 2]]);
    const go = find(t.root, 'usr/lib/go/bin');
    expect(go?.f?.[0]?.[0]).toBe('go');
    expect(t.packages[go?.f?.[0]?.[3] ?? -1]).toBe('golang-1.19-go');
    expect(t.causes[go?.f?.[0]?.[2] ?? -1]).toBe('go-toolchain');
    expect(go?.f?.[0]?.[4]).toBe(1);
  });

  it('keeps at most maxFiles files and aggregates the rest without losing a byte', () => {
    const files = [];
    for (let i = 0; i < 5000; i++) files.push({ path: `d${i % 50}/sub${i % 7}/f${i}`, charged: 1 + (i % 100), layer: i % 3 });
    files.push({ path: 'big/one', charged: 1_000_000, layer: 0 });
    const total = files.reduce((s, f) => s + f.charged, 0);
    const t = buildFileTree(files, { causeOf, maxFiles: 200 });
    expect(t.smallFileBytes).toBeGreaterThan(0);
    expect(countKept(t.root)).toBeLessThanOrEqual(200);
    expect(countKept(t.root) + countSmall(t.root)).toBe(files.length);
    expect(t.smallFiles.files).toBe(countSmall(t.root));
    expect(treeBytes(t.root)).toBe(total);
    expect(find(t.root, 'big')?.f).toEqual([['one', 1_000_000, t.causes.indexOf('other'), -1, 0]]);
    // Every aggregate is below the threshold per file.
    const check = (d: TreeDir): void => {
      for (const s of d.s ?? []) expect(s[1] / s[0]).toBeLessThan(t.smallFileBytes);
      for (const f of d.f ?? []) expect(f[1]).toBeGreaterThanOrEqual(t.smallFileBytes);
      (d.d ?? []).forEach(check);
    };
    check(t.root);
  });

  it('folds a subtree smaller than the threshold into its parent, so many tiny directories stay small', () => {
    const files = [{ path: 'big', charged: 10_000, layer: 0 }];
    for (let i = 0; i < 1000; i++) files.push({ path: `tiny/d${i}/f`, charged: 1, layer: 0 });
    const t = buildFileTree(files, { causeOf, maxFiles: 1 });
    // tiny/ (1000 bytes) stays a directory; its thousand 1-byte subdirectories become one aggregate.
    expect(t.root.d).toEqual([{ n: 'tiny', s: [[1000, 1000, t.causes.indexOf('other'), 0]] }]);
    expect(t.root.f).toEqual([['big', 10_000, t.causes.indexOf('other'), -1, 0]]);
    expect(JSON.stringify(t).length).toBeLessThan(300);
  });

  it('keeps at most maxDirs directories: twenty thousand two-file directories cannot blow up the page', () => {
    const files = [];
    for (let i = 0; i < 20_000; i++) files.push({ path: `a/d${i}/x`, charged: 10, layer: 0 }, { path: `a/d${i}/y`, charged: 10, layer: 0 });
    files.push({ path: 'keep/deep/big', charged: 5000, layer: 1 });
    const t = buildFileTree(files, { causeOf, maxFiles: 10, maxDirs: 3 });
    const dirs = (d: TreeDir): number => (d.d ?? []).reduce((s, c) => s + 1 + dirs(c), 0);
    expect(dirs(t.root)).toBeLessThanOrEqual(3);
    expect(treeBytes(t.root)).toBe(400_000 + 5000);
    expect(countKept(t.root) + countSmall(t.root)).toBe(files.length);
    expect(JSON.stringify(t).length).toBeLessThan(500);
    // A kept file in a folded directory keeps its relative path.
    const all: string[] = [];
    const names = (d: TreeDir, prefix: string): void => {
      for (const f of d.f ?? []) all.push(`${prefix}${f[0]}`);
      for (const c of d.d ?? []) names(c, `${prefix}${c.n}/`);
    };
    names(t.root, '');
    expect(all).toEqual(['keep/deep/big']);
  });

  it('reports the bytes each layer wrote that the final filesystem does not show', () => {
    const t = buildFileTree([{ path: 'a', charged: 10, layer: 0 }, { path: 'b', charged: 5, layer: 1 }], {
      causeOf,
      layerWritten: [{ index: 0, written: 40 }, { index: 1, written: 5 }],
    });
    expect(t.hidden).toEqual([[0, 30]]);
    const one = buildFileTree([{ path: 'a', charged: 10, layer: 0 }], { causeOf, layerBase: 1, layerWritten: [{ index: 0, written: 40 }] });
    expect(one.root.f?.[0]?.[4]).toBe(1);
    expect(one.hidden).toEqual([[1, 30]]);
  });
});
