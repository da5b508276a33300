/**
 * Go binaries that happen to be installed on this machine (Debian's Go tools, built with
 * go1.19; the Google Cloud SDK's, built with go1.22-1.25, pclntab layout 1.20): build info
 * must equal `go version -m`. Skips what is not installed; bounded to 12 files.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { goVersionM } from '../../test/fixtures/go/oracles.js';
import { analyzeBinary } from './analyze.js';
import { describeWithTools } from '../../test/helpers/tools.js';

function elfFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => join(dir, n))
    .filter((p) => {
      const st = statSync(p);
      if (!st.isFile() || st.size > 80e6) return false;
      const fd = openSync(p, 'r');
      const b = Buffer.alloc(4);
      const n = readSync(fd, b, 0, 4, 0);
      closeSync(fd);
      return n === 4 && b.readUInt32BE(0) === 0x7f454c46;
    });
}

const files = [
  ...elfFiles('/usr/lib/google-cloud-sdk/bin').slice(0, 8),
  ...['compile', 'link', 'vet', 'cgo'].map((n) => `/usr/lib/go-1.19/pkg/tool/linux_amd64/${n}`).filter(existsSync),
].slice(0, 12);

describeWithTools(['go', 'go-1.19'], 'Go binaries installed on this machine', () => {
  it.each(files)('%s', async (file) => {
    const r = analyzeBinary(readFileSync(file), { path: file });
    const o = await goVersionM(file);
    expect(r.go?.version).toBe(o.version);
    expect(r.go?.path ?? '').toBe(o.path);
    expect(r.go?.settings).toEqual(o.settings);
    expect(r.go?.deps.map((d) => [d.path, d.version, d.sum])).toEqual(o.deps.map((d) => [d.fields[0], d.fields[1], d.fields[2] ?? '']));
    expect(r.go?.pclntab?.functions).toBeGreaterThan(1000);
    expect(r.code.attributed).toBeLessThanOrEqual(r.code.text);
    expect(r.packages[0]?.size).toBeGreaterThan(0);
  });
});
