/**
 * Every external JSON document with a wrong-typed field ends in E_MALFORMED naming the document
 * and the field path, through openImage and on into inspect / verify (issue 11: these ended in
 * E_INTERNAL, "entrypoint is not iterable", "name.replace is not a function"). Optional fields
 * absent or null (as Docker writes them) are fine; unknown fields are ignored.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoslimError } from '../errors.js';
import { inspectImage } from '../analysis/inspect.js';
import { verifyImage } from '../verify/index.js';
import { sha256Digest } from './digest.js';
import { parseDocument } from './documents.js';
import { MediaType } from './model.js';
import { openImage } from './open.js';
import { buildLayerTar, file, writeTarFile } from './testing/index.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Mutations {
  config?: (c: Json) => unknown;
  manifest?: (m: Json) => unknown;
  /** The nested index blob (index.json -> this index -> manifest). */
  nested?: (i: Json) => unknown;
  /** index.json itself. */
  top?: (i: Json) => unknown;
  marker?: unknown;
}

let root: string;
let layerTar: Buffer;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'goslim-documents-'));
  layerTar = await buildLayerTar([file('app', 'hello')]);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A mutation returns a replacement document, or mutates in place and returns undefined. */
function apply(doc: Json, m: ((d: Json) => unknown) | undefined): unknown {
  if (m === undefined) return doc;
  const r = m(doc);
  return r === undefined ? doc : r;
}

function validConfig(): Json {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/app'], Env: ['PATH=/usr/bin'] },
    rootfs: { type: 'layers', diff_ids: [sha256Digest(layerTar)] },
    history: [{ created_by: 'COPY app /app' }],
  };
}

/** An OCI layout index.json -> nested index -> manifest -> config + one plain layer, mutated. */
async function layout(m: Mutations): Promise<string> {
  const dir = join(root, `oci-${counter++}`);
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (data: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = sha256Digest(data);
    await writeFile(join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const layer = await put(layerTar);
  const config = await put(Buffer.from(JSON.stringify(apply(validConfig(), m.config))));
  const manifest = apply(
    { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, ...config }, layers: [{ mediaType: MediaType.OciLayer, ...layer }] },
    m.manifest,
  );
  const man = await put(Buffer.from(JSON.stringify(manifest)));
  const nested = apply(
    { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, ...man, platform: { os: 'linux', architecture: 'amd64' } }] },
    m.nested,
  );
  const idx = await put(Buffer.from(JSON.stringify(nested)));
  const top = apply({ schemaVersion: 2, manifests: [{ mediaType: MediaType.OciIndex, ...idx, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }, m.top);
  await writeFile(join(dir, 'index.json'), JSON.stringify(top));
  await writeFile(join(dir, 'oci-layout'), JSON.stringify(m.marker ?? { imageLayoutVersion: '1.0.0' }));
  return `oci:${dir}`;
}

/** A legacy docker save tar with this manifest.json (and a config mutated by `config`). */
async function dockerArchive(manifestJson: (configName: string) => unknown, config?: (c: Json) => unknown): Promise<string> {
  const path = join(root, `docker-${counter++}.tar`);
  const configData = Buffer.from(JSON.stringify(apply(validConfig(), config)));
  const configName = `${sha256Digest(configData).slice(7)}.json`;
  await writeTarFile(path, [
    { name: configName, data: configData },
    { name: 'l1/', type: 'directory' },
    { name: 'l1/layer.tar', data: layerTar },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifestJson(configName))) },
  ]);
  return `docker-archive:${path}`;
}

async function failure(p: Promise<unknown>): Promise<GoslimError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GoslimError) return err;
    throw err;
  }
  throw new Error('expected a typed error, got a result');
}

type Case = [name: string, make: () => Promise<string>, field: string];

const configCases: Array<[string, (c: Json) => unknown, string]> = [
  ['Entrypoint: 5', (c) => void (c.config.Entrypoint = 5), 'config.Entrypoint'],
  ['Entrypoint: ["a", 5]', (c) => void (c.config.Entrypoint = ['a', 5]), 'config.Entrypoint[1]'],
  ['Cmd: {"a":1}', (c) => void (c.config.Cmd = { a: 1 }), 'config.Cmd'],
  ['Cmd: "sh"', (c) => void (c.config.Cmd = 'sh'), 'config.Cmd'],
  ['User: ["root"]', (c) => void (c.config.User = ['root']), 'config.User'],
  ['WorkingDir: 7', (c) => void (c.config.WorkingDir = 7), 'config.WorkingDir'],
  ['Env: [1, null]', (c) => void (c.config.Env = [1, null]), 'config.Env[0]'],
  ['Env: ["A=1", null]', (c) => void (c.config.Env = ['A=1', null]), 'config.Env[1]'],
  ['Env: "PATH=/bin"', (c) => void (c.config.Env = 'PATH=/bin'), 'config.Env'],
  ['ExposedPorts: ["80/tcp"]', (c) => void (c.config.ExposedPorts = ['80/tcp']), 'config.ExposedPorts'],
  ['ExposedPorts: {"80/tcp": 5}', (c) => void (c.config.ExposedPorts = { '80/tcp': 5 }), 'config.ExposedPorts["80/tcp"]'],
  ['Labels: {"a": 1}', (c) => void (c.config.Labels = { a: 1 }), 'config.Labels.a'],
  ['Labels: "x"', (c) => void (c.config.Labels = 'x'), 'config.Labels'],
  ['Healthcheck: "x"', (c) => void (c.config.Healthcheck = 'x'), 'config.Healthcheck'],
  ['Healthcheck.Test: "CMD true"', (c) => void (c.config.Healthcheck = { Test: 'CMD true' }), 'config.Healthcheck.Test'],
  ['Healthcheck.Interval: "5s"', (c) => void (c.config.Healthcheck = { Interval: '5s' }), 'config.Healthcheck.Interval'],
  ['Volumes: ["/data"]', (c) => void (c.config.Volumes = ['/data']), 'config.Volumes'],
  ['StopSignal: 9', (c) => void (c.config.StopSignal = 9), 'config.StopSignal'],
  ['Shell: "sh"', (c) => void (c.config.Shell = 'sh'), 'config.Shell'],
  ['config: "x"', (c) => void (c.config = 'x'), 'config'],
  ['history: {}', (c) => void (c.history = {}), 'history'],
  ['history[0]: "x"', (c) => void (c.history = ['x']), 'history[0]'],
  ['history[0].created_by: 5', (c) => void (c.history = [{ created_by: 5 }]), 'history[0].created_by'],
  ['history[0].empty_layer: "yes"', (c) => void (c.history = [{ empty_layer: 'yes' }]), 'history[0].empty_layer'],
  ['rootfs: 5', (c) => void (c.rootfs = 5), 'rootfs'],
  ['rootfs.diff_ids: "x"', (c) => void (c.rootfs.diff_ids = 'x'), 'rootfs.diff_ids'],
  ['rootfs.diff_ids: [5]', (c) => void (c.rootfs.diff_ids = [5]), 'rootfs.diff_ids[0]'],
  ['rootfs.diff_ids: ["md5:x"]', (c) => void (c.rootfs.diff_ids = ['md5:x']), 'rootfs.diff_ids[0]'],
  ['os: 5', (c) => void (c.os = 5), 'os'],
  ['architecture missing', (c) => void delete c.architecture, 'architecture'],
  ['variant: 7', (c) => void (c.variant = 7), 'variant'],
  ['document: []', () => [], '(document)'],
  ['document: null', () => null, '(document)'],
  ['document: "x"', () => 'x', '(document)'],
];

const manifestCases: Array<[string, (m: Json) => unknown, string]> = [
  ['schemaVersion: "2"', (m) => void (m.schemaVersion = '2'), 'schemaVersion'],
  ['layers: "x"', (m) => void (m.layers = 'x'), 'layers'],
  ['layers: [5]', (m) => void (m.layers = [5]), 'layers[0]'],
  ['layers[0].size: "12"', (m) => void (m.layers[0].size = String(m.layers[0].size)), 'layers[0].size'],
  ['layers[0].size: -1', (m) => void (m.layers[0].size = -1), 'layers[0].size'],
  ['layers[0].size: 1.5', (m) => void (m.layers[0].size = 1.5), 'layers[0].size'],
  ['layers[0].digest: 5', (m) => void (m.layers[0].digest = 5), 'layers[0].digest'],
  ['layers[0].mediaType: 5', (m) => void (m.layers[0].mediaType = 5), 'layers[0].mediaType'],
  ['layers[0].annotations: {"a": 1}', (m) => void (m.layers[0].annotations = { a: 1 }), 'layers[0].annotations.a'],
  ['layers[0].urls: "u"', (m) => void (m.layers[0].urls = 'u'), 'layers[0].urls'],
  ['config: "x"', (m) => void (m.config = 'x'), 'config'],
  ['config.digest missing', (m) => void delete m.config.digest, 'config.digest'],
  ['mediaType: 5', (m) => void (m.mediaType = 5), 'mediaType'],
  ['annotations: []', (m) => void (m.annotations = []), 'annotations'],
  ['document: [1]', () => [1], '(document)'],
];

const indexCases: Array<[string, Mutations, string]> = [
  ['index.json manifests: "x"', { top: (i) => void (i.manifests = 'x') }, 'manifests'],
  ['index.json manifests: [5]', { top: (i) => void (i.manifests = [5]) }, 'manifests[0]'],
  ['index.json manifests[0].annotations ref.name: 5', { top: (i) => void (i.manifests[0].annotations['org.opencontainers.image.ref.name'] = 5) }, 'manifests[0].annotations["org.opencontainers.image.ref.name"]'],
  ['index.json schemaVersion: "two"', { top: (i) => void (i.schemaVersion = 'two') }, 'schemaVersion'],
  ['index.json document: 7', { top: () => 7 }, '(document)'],
  ['nested index manifests: {}', { nested: (i) => void (i.manifests = {}) }, 'manifests'],
  ['nested index manifests[0].platform: "linux"', { nested: (i) => void (i.manifests[0].platform = 'linux') }, 'manifests[0].platform'],
  ['nested index manifests[0].platform.os: 5', { nested: (i) => void (i.manifests[0].platform.os = 5) }, 'manifests[0].platform.os'],
  ['nested index manifests[0].platform.os.features: "x"', { nested: (i) => void (i.manifests[0].platform['os.features'] = 'x') }, 'manifests[0].platform["os.features"]'],
  ['nested index manifests[0].size: null', { nested: (i) => void (i.manifests[0].size = null) }, 'manifests[0].size'],
  ['oci-layout imageLayoutVersion: 1', { marker: { imageLayoutVersion: 1 } }, 'imageLayoutVersion'],
  ['oci-layout document: []', { marker: [] }, '(document)'],
];

const archiveCases: Array<[string, (configName: string) => unknown, string]> = [
  ['manifest.json: "x"', () => 'x', '(document)'],
  ['manifest.json: {}', () => ({}), '(document)'],
  ['manifest.json: [5]', () => [5], '[0]'],
  ['manifest.json Config: 5', () => [{ Config: 5, Layers: ['l1/layer.tar'] }], '[0].Config'],
  ['manifest.json Config missing', () => [{ Layers: ['l1/layer.tar'] }], '[0].Config'],
  ['manifest.json Layers: "x"', (c) => [{ Config: c, Layers: 'x' }], '[0].Layers'],
  ['manifest.json Layers: [5]', (c) => [{ Config: c, Layers: [5] }], '[0].Layers[0]'],
  ['manifest.json Layers: [{}]', (c) => [{ Config: c, Layers: [{}] }], '[0].Layers[0]'],
  ['manifest.json RepoTags: "a:b"', (c) => [{ Config: c, RepoTags: 'a:b', Layers: ['l1/layer.tar'] }], '[0].RepoTags'],
  ['manifest.json RepoTags: [null]', (c) => [{ Config: c, RepoTags: [null], Layers: ['l1/layer.tar'] }], '[0].RepoTags[0]'],
];

const cases: Case[] = [
  ...configCases.map(([name, m, field]): Case => [`oci config ${name}`, () => layout({ config: m }), field]),
  ...configCases.map(([name, m, field]): Case => [`docker-archive config ${name}`, () => dockerArchive((c) => [{ Config: c, Layers: ['l1/layer.tar'] }], m), field]),
  ...manifestCases.map(([name, m, field]): Case => [`manifest ${name}`, () => layout({ manifest: m }), field]),
  ...indexCases.map(([name, m, field]): Case => [name, () => layout(m), field]),
  ...archiveCases.map(([name, m, field]): Case => [name, () => dockerArchive(m), field]),
];

describe('wrong-typed fields in image documents', () => {
  it(`the table holds ${cases.length} cases`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s -> E_MALFORMED naming %s', async (_name, make, field) => {
    const ref = await make();
    const err = await failure(openImage(ref).then((image) => inspectImage(image)));
    expect(err.code).toBe('E_MALFORMED');
    expect(err.details?.['field']).toBe(field);
    expect(typeof err.details?.['document']).toBe('string');
  });

  it('verify gives the same typed error', async () => {
    const ref = await layout({ config: (c) => void (c.config.Entrypoint = 5) });
    const err = await failure(openImage(ref).then((image) => verifyImage(image)));
    expect(err.code).toBe('E_MALFORMED');
    expect(err.details?.['field']).toBe('config.Entrypoint');
  });

  it('nulls where Docker writes them, absent optional fields and unknown fields are fine', async () => {
    const ref = await layout({
      config: (c) => {
        c.config = { Entrypoint: null, Cmd: null, Env: null, ExposedPorts: null, Labels: null, Volumes: null, User: '', Custom: { x: 1 } };
        c.history = null;
        c.extra = [1, 2, 3];
      },
      manifest: (m) => void (m.annotations = { 'org.example': 'v' }),
    });
    const image = await openImage(ref);
    expect(image.config().config?.Entrypoint).toBeNull();
    expect(image.config().config?.Env).toBeUndefined();
    expect(image.config().history).toBeUndefined();
    const report = await inspectImage(image);
    expect(report.image.files).toBe(1);
    const legacy = await dockerArchive((c) => [{ Config: c, RepoTags: null, Layers: ['l1/layer.tar'] }]);
    expect((await inspectImage(await openImage(legacy))).image.files).toBe(1);
  });
});

describe('document size and counts', () => {
  it('a document over json.documentSize is refused before parsing, with E_LIMIT', () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 0x20);
    const err = (() => {
      try {
        parseDocument('config', big, 'big config');
      } catch (e) {
        return e as GoslimError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('E_LIMIT');
    expect(err?.details?.['limit']).toBe('json.documentSize');
  });

  it('an Env with more entries than image.envEntries is E_LIMIT naming the field', async () => {
    const ref = await layout({ config: (c) => void (c.config.Env = Array.from({ length: 10_001 }, (_, i) => `V${i}=1`)) });
    const err = await failure(openImage(ref));
    expect(err.code).toBe('E_LIMIT');
    expect(err.details).toMatchObject({ limit: 'image.envEntries', max: 10_000, actual: 10_001, field: 'config.Env' });
  });
});
