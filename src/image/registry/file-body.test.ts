/**
 * Blobs sent from their files (file-body.ts) to Debian's real docker-registry: a layout's layers go
 * that way (one PUT each, progress counted), and a file that does not match its digest or is
 * shorter than its descriptor is refused before its last byte, so the registry never has it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isGoslimError } from '../../errors.js';
import { openOciLayout } from '../sources/oci-layout.js';
import { openRegistryImage } from '../sources/registry.js';
import { countingRoot } from '../sinks/counting.js';
import { pushImage, type BlobEvent } from '../sinks/registry.js';
import { buildTestImage, file } from '../testing/index.js';
import { RegistryClient } from './client.js';
import { startRegistry, type RegistryHandle } from '../../../test/helpers/registry.js';
import { describeWithTools } from '../../../test/helpers/tools.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describeWithTools(['docker-registry'], 'blob uploads from files (real docker-registry)', () => {
  let reg: RegistryHandle;
  let work: string;
  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'goslim-file-body-'));
  });
  afterAll(async () => {
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("pushes a layout's layers from their files, one PUT each, counting every byte, and they come back verified", async () => {
    // An uncompressed 3 MB layer: the blob spans several 1 MiB reads.
    const built = await buildTestImage(
      { layers: [{ entries: [file('data/big.bin', 3_000_000, { seed: 5 })], compression: 'none' }, { entries: [file('data/small.txt', 'hi\n')] }] },
      { dir: join(work, 'built'), format: 'oci', tag: 'v1' },
    );
    const image = await openOciLayout(built.path, { ref: 'v1' });
    expect(await image.layers()[0]!.blobLocation!()).toMatchObject({ start: 0, length: image.manifest().layers[0]!.size });
    let counted = 0;
    const events: BlobEvent[] = [];
    // A chunk threshold below the layers' sizes is not given: from a file, one PUT whatever the size.
    const r = await pushImage(countingRoot(image, (n) => (counted += n)), { registry: reg.host, repository: 'files/a', tag: 'v1' }, { onBlob: (e) => events.push(e) });
    expect(r.digest).toBe(image.digest());
    expect(counted).toBe(image.manifest().layers.reduce((n, l) => n + l.size, 0));
    expect(events.every((e) => e.action === 'monolithic')).toBe(true);
    const back = await openRegistryImage({ registry: reg.host, repository: 'files/a', tag: 'v1' });
    for (const [i, l] of back.layers().entries()) {
      const chunks: Buffer[] = [];
      for await (const c of await l.compressed()) chunks.push(c as Buffer);
      expect(sha256(Buffer.concat(chunks))).toBe(image.manifest().layers[i]!.digest);
    }
  });

  it('refuses a file that does not hash to the digest, or is shorter than its descriptor (E_DIGEST_MISMATCH); the registry never has the blob', async () => {
    const client = new RegistryClient(reg.host);
    const data = randomBytes((2 << 20) + 17);
    const path = join(work, 'blob');
    writeFileSync(path, data);
    const never = async () => Readable.from([]);
    const other = sha256(Buffer.from('something else'));
    const changed = await client.uploadBlob('files/b', other, data.length, never, {}, { file: path, start: 0, length: data.length }).catch((e: unknown) => e);
    expect(isGoslimError(changed, 'E_DIGEST_MISMATCH')).toBe(true);
    expect(await client.blobSize('files/b', other)).toBeUndefined();

    const longer = Buffer.concat([data, Buffer.from('tail')]);
    const short = await client.uploadBlob('files/b', sha256(longer), longer.length, never, {}, { file: path, start: 0, length: longer.length }).catch((e: unknown) => e);
    expect(isGoslimError(short, 'E_DIGEST_MISMATCH')).toBe(true);
    expect(await client.blobSize('files/b', sha256(longer))).toBeUndefined();

    // A range inside a file (an archive member) goes as well.
    const part = data.subarray(1000, 1000 + (1 << 20) + 5);
    expect(await client.uploadBlob('files/b', sha256(part), part.length, never, {}, { file: path, start: 1000, length: part.length })).toBe('monolithic');
    expect(await client.blobSize('files/b', sha256(part))).toBe(part.length);
  });
});
