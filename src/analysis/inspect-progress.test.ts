import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openImage } from '../image/open.js';
import { buildTestImage, file } from '../image/testing/index.js';
import { inspectImage, type InspectProgress } from './inspect.js';

const work = mkdtempSync(join(tmpdir(), 'goslim-inspect-progress-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('inspect progress', () => {
  it('by bytes over the whole image: uncompressed bytes read, and the stored bytes of the layers finished', async () => {
    const built = await buildTestImage(
      { layers: [{ entries: [file('a', 'x'.repeat(40_000))] }, { entries: [file('b', 'y'.repeat(90_000)), file('c', 'z'.repeat(5000))] }] },
      { dir: join(work, 'img'), format: 'oci' },
    );
    const image = await openImage(built.reference);
    const seen: InspectProgress[] = [];
    await inspectImage(image, { onProgress: (p) => seen.push(p), cache: false });
    const stored = image.layers().map((l) => l.size());
    let tars = 0;
    for (const l of image.layers()) for await (const c of await l.uncompressed()) tars += (c as Buffer).length;
    const last = seen.at(-1)!;
    expect(last).toEqual({ layer: 1, layers: 2, bytes: tars, storedTotal: stored[0]! + stored[1]!, storedDone: stored[0]! + stored[1]! });
    expect(seen.every((p, i) => i === 0 || (p.bytes >= seen[i - 1]!.bytes && p.storedDone >= seen[i - 1]!.storedDone))).toBe(true);
    expect(seen.some((p) => p.storedDone === stored[0])).toBe(true);
  });
});
