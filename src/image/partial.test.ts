import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('image core', () => {
  it('every Image, ImageIndex and Layer class builds on src/image/partial.ts (the accessors live once)', () => {
    const own: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file).split('\\').join('/');
      if (rel === 'image/partial.ts') continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bclass \w+ implements (Image|ImageIndex|Layer)\b/.test(line)) own.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(own).toEqual([]);
  });
});
