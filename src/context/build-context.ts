/**
 * The fixer's thin filesystem layer: what the build context (the Dockerfile's
 * directory) holds at its top level after .dockerignore, and its Go module.
 * Everything it returns is plain data for the pure fixer (src/dockerfile reads no files).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { scanGoModule } from '../gomod/scan.js';
import { hasReinclusionUnder, isIgnored, parseDockerignore } from '../dockerfile/dockerignore.js';
import type { BuildContextFacts, ContextEntry } from '../dockerfile/fix/types.js';

const MAX_DIR_SCAN = 5_000;

/** A directory is Go source when everything in it (recursively) is .go, go.mod/go.sum or testdata. */
async function isGoSourceDir(dir: string, budget: { left: number }): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  let sawGo = false;
  for (const e of entries) {
    if (--budget.left < 0) return false;
    if (e.isDirectory()) {
      if (e.name === 'testdata') continue;
      if (!(await isGoSourceDir(join(dir, e.name), budget))) return false;
      sawGo = true;
    } else if (/\.(go|c|h|cc|cpp|hh|hpp|s|S|syso|m)$|^go\.(mod|sum)$/.test(e.name)) sawGo = true;
    else if (/^(README|LICENSE|OWNERS)|\.md$/i.test(e.name)) continue;
    else return false;
  }
  return sawGo;
}

export async function scanBuildContext(dir: string): Promise<BuildContextFacts> {
  const facts: BuildContextFacts = {};
  const ignoreText = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
  const rules = parseDockerignore(ignoreText);
  const names = (await readdir(dir)).sort();
  const entries: ContextEntry[] = [];
  for (const name of names) {
    if (isIgnored(rules, name) && !hasReinclusionUnder(rules, name)) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (!st) continue;
    const kind = st.isDirectory() ? 'dir' : 'file';
    const goSource = kind === 'dir' ? await isGoSourceDir(join(dir, name), { left: MAX_DIR_SCAN }) : /\.(go|c|h|cc|cpp|hh|hpp|s|S|syso|m)$|^go\.(mod|sum|work)$/.test(name);
    entries.push({ name, kind, goSource });
  }
  facts.entries = entries;
  if (names.includes('go.mod')) facts.module = await scanGoModule(dir);
  return facts;
}
