/**
 * Hostile docker-archive tars through inspect (issue 11): manifest.json naming files outside the
 * archive, layer members that are links out of it, link loops and duplicate members. The archive
 * reader resolves every name in the archive's own member list: the host is never read, and each
 * case ends typed. Each "outside" case plants a valid document or layer next to the archive, so
 * a reader that followed the name out would succeed instead of failing.
 */
import { mkdtempSync } from 'node:fs';
import { rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoslimError } from '../../errors.js';
import { inspectImage } from '../../analysis/inspect.js';
import { sha256Digest } from '../digest.js';
import { openImage } from '../open.js';
import { buildLayerTar, buildTestImage, file, writeTarFile, type RawTarEntry } from '../testing/index.js';

const root = mkdtempSync(join(tmpdir(), 'goslim-hostile-archive-'));
let layerTar: Buffer;
let configData: Buffer;
let n = 0;

beforeAll(async () => {
  layerTar = await buildLayerTar([file('app', 'hello')]);
  configData = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app'] }, rootfs: { type: 'layers', diff_ids: [sha256Digest(layerTar)] } }),
  );
  // Canaries outside every archive: a valid config and a valid layer a reader could be lured to.
  await writeFile(join(root, 'canary.json'), configData);
  await writeFile(join(root, 'canary-layer.tar'), layerTar);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function archive(members: RawTarEntry[], manifest: unknown): Promise<string> {
  const path = join(root, 'nested', `a-${n++}.tar`);
  await writeTarFile(path, [...members, { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }]);
  return `docker-archive:${path}`;
}

async function failure(ref: string): Promise<GoslimError> {
  try {
    await inspectImage(await openImage(ref));
  } catch (err) {
    if (err instanceof GoslimError) return err;
    throw err;
  }
  throw new Error('expected a typed error');
}

const config: RawTarEntry = { name: 'config.json', data: Buffer.alloc(0) };
const layer: RawTarEntry = { name: 'l1/layer.tar', data: Buffer.alloc(0) };

describe('hostile docker-archive tars', () => {
  beforeAll(() => {
    config.data = configData;
    layer.data = layerTar;
  });

  it('the well-formed archive inspects (the control)', async () => {
    const ref = await archive([config, layer], [{ Config: 'config.json', Layers: ['l1/layer.tar'] }]);
    expect((await inspectImage(await openImage(ref))).image.files).toBe(1);
  });

  it.each([
    ['Config "../canary.json"', [{ Config: '../canary.json', Layers: ['l1/layer.tar'] }]],
    ['Config "../../../etc/passwd"', [{ Config: '../../../etc/passwd', Layers: ['l1/layer.tar'] }]],
    ['Config "a/../../canary.json"', [{ Config: 'a/../../canary.json', Layers: ['l1/layer.tar'] }]],
    ['Layers ["../canary-layer.tar"]', [{ Config: 'config.json', Layers: ['../canary-layer.tar'] }]],
  ])('manifest.json %s is E_UNSAFE_PATH', async (_name, manifest) => {
    const err = await failure(await archive([config, layer], manifest));
    expect(err.code).toBe('E_UNSAFE_PATH');
  });

  it('an absolute name is looked up inside the archive, never on the host', async () => {
    const err = await failure(await archive([config, layer], [{ Config: join(root, 'canary.json'), Layers: ['l1/layer.tar'] }]));
    expect(err.code).toBe('E_NOT_FOUND');
  });

  it.each([
    ['a symlink to an absolute host path', { name: 'l2/layer.tar', type: 'symlink', linkname: join(root, 'canary-layer.tar') } as RawTarEntry, 'E_NOT_FOUND'],
    ['a symlink climbing out', { name: 'l2/layer.tar', type: 'symlink', linkname: '../../canary-layer.tar' } as RawTarEntry, 'E_UNSAFE_PATH'],
    ['a hardlink climbing out', { name: 'l2/layer.tar', type: 'link', linkname: '../canary-layer.tar' } as RawTarEntry, 'E_UNSAFE_PATH'],
    ['a directory', { name: 'l2/layer.tar', type: 'directory' } as RawTarEntry, 'E_NOT_FOUND'],
  ])('a layer member that is %s fails typed', async (_name, member, code) => {
    const err = await failure(await archive([config, member], [{ Config: 'config.json', Layers: ['l2/layer.tar'] }]));
    expect(err.code).toBe(code);
  });

  it('a symlink loop is E_MALFORMED', async () => {
    const loop: RawTarEntry[] = [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
    ];
    const err = await failure(await archive([config, ...loop], [{ Config: 'config.json', Layers: ['a'] }]));
    expect(err.code).toBe('E_MALFORMED');
  });

  it('duplicate members: the last copy counts (as docker load extracts), and its bytes are verified', async () => {
    const other = await buildLayerTar([file('app', 'other')]);
    const lastGood = await archive([config, { name: 'l1/layer.tar', data: other }, layer], [{ Config: 'config.json', Layers: ['l1/layer.tar'] }]);
    expect((await inspectImage(await openImage(lastGood))).image.files).toBe(1);
    const lastBad = await archive([config, layer, { name: 'l1/layer.tar', data: other }], [{ Config: 'config.json', Layers: ['l1/layer.tar'] }]);
    expect((await failure(lastBad)).code).toBe('E_DIGEST_MISMATCH');
    // Two manifest.json members: the last one is read.
    const twoManifests = await archive(
      [config, layer, { name: 'manifest.json', data: Buffer.from(JSON.stringify([{ Config: '../canary.json' }])) }],
      [{ Config: 'config.json', Layers: ['l1/layer.tar'] }],
    );
    expect((await inspectImage(await openImage(twoManifests))).image.files).toBe(1);
  });
});

describe('OCI layout directories with links', () => {
  it('a blob that is a symlink out of the layout is E_UNSAFE_PATH (even when the outside file has the right digest)', async () => {
    const built = await buildTestImage({ layers: [{ entries: [file('app', 'hello')], compression: 'none' }] }, { dir: join(root, 'layout-out'), format: 'oci' });
    const digest = built.images[0]!.layerDigests[0]!;
    const blob = join(built.path, 'blobs', 'sha256', digest.slice(7));
    const outside = join(root, 'outside-layer.tar');
    await rename(blob, outside);
    await symlink(outside, blob);
    const err = await failure(built.reference);
    expect(err.code).toBe('E_UNSAFE_PATH');
  });

  it('a blob that is a symlink to another file inside the layout is read', async () => {
    const built = await buildTestImage({ layers: [{ entries: [file('app', 'hello')], compression: 'none' }] }, { dir: join(root, 'layout-in'), format: 'oci' });
    const digest = built.images[0]!.layerDigests[0]!;
    const blob = join(built.path, 'blobs', 'sha256', digest.slice(7));
    const moved = join(built.path, 'shared-layer.tar');
    await rename(blob, moved);
    await symlink('../../shared-layer.tar', blob);
    expect((await inspectImage(await openImage(built.reference))).image.files).toBe(1);
  });
});
