#!/usr/bin/env node
// Copies the non-TypeScript files the build needs next to their compiled modules in dist/:
// the HTML report's page script (src/report/html/page.js, type-checked by tsconfig.page.json),
// which the report inlines at render time.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = ['report/html/page.js'];
for (const a of ASSETS) {
  mkdirSync(dirname(join(root, 'dist', a)), { recursive: true });
  copyFileSync(join(root, 'src', a), join(root, 'dist', a));
}
