/**
 * Image JSON documents: every shape of documents.ts over arbitrary JSON values, and the sources
 * that parse them: an OCI layout (index.json -> manifest -> config) and a docker-archive
 * (manifest.json -> config) written with one document replaced or one field of a real document
 * set to an arbitrary value, opened and then inspected and verified. A field the validator let
 * through that a consumer then trips on (a TypeError past validation) is the bug this finds.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { inspectImage } from '../../../src/analysis/inspect.js';
import { verifyImage } from '../../../src/verify/index.js';
import { sha256Digest } from '../../../src/image/digest.js';
import { parseDocument, type DocumentKind } from '../../../src/image/documents.js';
import { MediaType } from '../../../src/image/model.js';
import { openImage } from '../../../src/image/open.js';
import { buildRawTar, rawTar } from '../../../src/image/testing/index.js';
import type { FuzzTarget } from '../target.js';

const KINDS: DocumentKind[] = ['manifest', 'index', 'config', 'docker-archive manifest.json', 'oci-layout', 'writable index'];

const work = mkdtempSync(join(tmpdir(), 'goslim-fuzz-json-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));

const layerTar = rawTar([{ header: { name: 'app', mode: 0o755 }, data: Buffer.from('#!/bin/sh\n') }, { header: { name: 'etc/passwd' }, data: Buffer.from('root:x:0:0::/root:/bin/sh\n') }]);

type Json = Record<string, unknown>;
type Doc = 'config' | 'manifest' | 'index' | 'top' | 'archive';

function baseDocs(): Record<Doc, unknown> {
  return {
    config: {
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/app'], Cmd: ['serve'], Env: ['PATH=/usr/bin'], User: 'root', WorkingDir: '/', ExposedPorts: { '80/tcp': {} }, Labels: { a: 'b' }, Healthcheck: { Test: ['CMD', 'true'] } },
      rootfs: { type: 'layers', diff_ids: [sha256Digest(layerTar)] },
      history: [{ created_by: 'COPY app /app' }],
    },
    manifest: { schemaVersion: 2, mediaType: MediaType.OciManifest, config: {}, layers: [] },
    index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] },
    top: { schemaVersion: 2, manifests: [] },
    archive: [{ Config: 'config.json', RepoTags: ['x:latest'], Layers: ['l/layer.tar'] }],
  };
}

/** Field paths of the real documents worth replacing (the ones consumers read). */
const FIELDS: Record<Doc, string[][]> = {
  config: [[], ['config'], ['config', 'Entrypoint'], ['config', 'Entrypoint', '0'], ['config', 'Cmd'], ['config', 'Env'], ['config', 'Env', '0'], ['config', 'User'], ['config', 'WorkingDir'], ['config', 'ExposedPorts'], ['config', 'Labels'], ['config', 'Healthcheck'], ['config', 'Healthcheck', 'Test'], ['config', 'Shell'], ['config', 'Volumes'], ['history'], ['history', '0'], ['history', '0', 'empty_layer'], ['rootfs'], ['rootfs', 'diff_ids'], ['os'], ['architecture'], ['variant'], ['os.version']],
  manifest: [[], ['schemaVersion'], ['config'], ['config', 'digest'], ['config', 'size'], ['layers'], ['layers', '0'], ['layers', '0', 'mediaType'], ['layers', '0', 'size'], ['layers', '0', 'urls'], ['layers', '0', 'annotations'], ['annotations'], ['mediaType']],
  index: [[], ['manifests'], ['manifests', '0'], ['manifests', '0', 'platform'], ['manifests', '0', 'platform', 'os'], ['manifests', '0', 'mediaType'], ['manifests', '0', 'annotations'], ['schemaVersion']],
  top: [[], ['manifests'], ['manifests', '0'], ['manifests', '0', 'annotations'], ['manifests', '0', 'mediaType'], ['manifests', '0', 'platform']],
  archive: [[], ['0'], ['0', 'Config'], ['0', 'RepoTags'], ['0', 'RepoTags', '0'], ['0', 'Layers'], ['0', 'Layers', '0']],
};

function setPath(doc: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  let o = doc as Json;
  for (const k of path.slice(0, -1)) {
    if (o === null || typeof o !== 'object') return doc;
    o = o[k] as Json;
  }
  if (o !== null && typeof o === 'object') o[path.at(-1)!] = value;
  return doc;
}

interface Input {
  format: 'oci' | 'docker-archive';
  doc: Doc;
  field: number;
  value: unknown;
}

let n = 0;

/** Write the image with the change, serialising each document after its children's digests are known. */
async function writeImage(input: Input): Promise<string> {
  const docs = baseDocs();
  const fields = FIELDS[input.doc];
  const change = (d: Doc, value: unknown): unknown => (d === input.doc ? setPath(value, fields[input.field % fields.length]!, input.value) : value);
  const config = Buffer.from(JSON.stringify(change('config', docs.config)));
  if (input.format === 'docker-archive') {
    const path = join(work, `d${n++ % 4}.tar`);
    writeFileSync(
      path,
      await buildRawTar([
        { name: 'config.json', data: config },
        { name: 'l/layer.tar', data: layerTar },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify(change('archive', docs.archive)) ?? 'null') },
      ]),
    );
    return `docker-archive:${path}`;
  }
  const dir = join(work, `o${n++ % 4}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer): { digest: string; size: number } => {
    const digest = sha256Digest(data);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const layer = put(layerTar);
  const manifest = docs.manifest as Json;
  manifest['config'] = { mediaType: MediaType.OciConfig, ...put(config) };
  manifest['layers'] = [{ mediaType: MediaType.OciLayer, ...layer }];
  const m = put(Buffer.from(JSON.stringify(change('manifest', manifest)) ?? 'null'));
  const index = docs.index as Json;
  index['manifests'] = [{ mediaType: MediaType.OciManifest, ...m, platform: { os: 'linux', architecture: 'amd64' } }];
  const i = put(Buffer.from(JSON.stringify(change('index', index)) ?? 'null'));
  const top = docs.top as Json;
  top['manifests'] = [{ mediaType: MediaType.OciIndex, ...i, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }];
  writeFileSync(join(dir, 'index.json'), JSON.stringify(change('top', top)) ?? 'null');
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return `oci:${dir}`;
}

const values = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 5, -1, 1.5, '', 'x', [], {}, [null], [1, 'a'], { a: 1 }, ['a'], 'sha256:' + 'a'.repeat(64), true) },
);

export const targets: FuzzTarget[] = [
  {
    name: 'image-json shapes',
    arbitrary: fc.tuple(fc.constantFrom(...KINDS), fc.oneof(fc.jsonValue(), fc.string().map((s) => ({ raw: s })))),
    run: ([kind, value]) => {
      const v = value as unknown;
      const text = v !== null && typeof v === 'object' && 'raw' in (v as object) ? String((v as { raw: string }).raw) : JSON.stringify(v);
      parseDocument(kind as DocumentKind, Buffer.from(text ?? 'null'), 'fuzz');
    },
  },
  {
    name: 'image-json sources',
    ciRuns: 80,
    arbitrary: fc.record({
      format: fc.constantFrom('oci' as const, 'docker-archive' as const),
      doc: fc.constantFrom<Doc>('config', 'manifest', 'index', 'top', 'archive'),
      field: fc.nat({ max: 30 }),
      value: values,
    }),
    run: async (input) => {
      const image = await openImage(await writeImage(input as Input));
      await inspectImage(image);
      await verifyImage(image);
    },
  },
];
