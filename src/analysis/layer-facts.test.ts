import { describe, expect, it } from 'vitest';
import { LayerRecorder, replayLayer, checkLayerRecord, type LayerRecord } from '../image/filesystem/record.js';
import type { LayerEntry, Whiteout } from '../image/filesystem/types.js';
import { checkFileEntry, checkLayerFacts, type LayerFacts } from './layer-facts.js';

function sampleRecord(): LayerRecord {
  const r = new LayerRecorder();
  r.entry({ path: 'usr/bin/app', type: 'file', size: 10, mode: 0o755, uid: 0, gid: 0, layer: 1 });
  r.whiteout({ layer: 1, path: 'etc/old', opaque: false });
  r.entry({ path: 'usr/bin/link', type: 'symlink', size: 0, mode: 0o777, uid: 0, gid: 0, layer: 1, linkname: 'app' });
  r.whiteout({ layer: 1, path: 'var/cache', opaque: true });
  r.anomaly({ layer: 1, kind: 'absolute', raw: '/x', path: 'x' });
  r.entry({ path: 'x', type: 'dir', size: 0, mode: 0o755, uid: 1000, gid: 1000, layer: 1 });
  return r.finish({ entries: 6, tarBytes: 4096, fileBytes: 10, stopped: false })!;
}

function facts(over: Partial<LayerFacts> = {}): LayerFacts {
  return {
    diffId: 'sha256:d',
    variant: 'v',
    blob: 'sha256:b',
    diffIdChecked: false,
    record: sampleRecord(),
    db: [],
    files: [],
    packed: [],
    go: [],
    late: [],
    probes: { app: null, runtime: null },
    ...over,
  };
}

describe('layer records', () => {
  it('replay gives the visitor the recorded events in order, through a JSON round trip', () => {
    const rec = checkLayerRecord(JSON.parse(JSON.stringify(sampleRecord())), 'test');
    const seen: Array<LayerEntry | Whiteout | string> = [];
    const stats = replayLayer(rec, 3, { entry: (e) => seen.push(e), whiteout: (w) => seen.push(w), anomaly: (a) => seen.push(`${a.kind}:${a.path}`) });
    expect(seen).toEqual([
      { path: 'usr/bin/app', type: 'file', size: 10, mode: 0o755, uid: 0, gid: 0, layer: 3 },
      { layer: 3, path: 'etc/old', opaque: false },
      { path: 'usr/bin/link', type: 'symlink', size: 0, mode: 0o777, uid: 0, gid: 0, layer: 3, linkname: 'app' },
      { layer: 3, path: 'var/cache', opaque: true },
      'absolute:x',
      { path: 'x', type: 'dir', size: 0, mode: 0o755, uid: 1000, gid: 1000, layer: 3 },
    ]);
    expect(stats).toEqual({ entries: 6, tarBytes: 4096, fileBytes: 10, stopped: false });
  });

  it('a record past its event cap, or of a walk that stopped early, is not kept', () => {
    const r = new LayerRecorder(2);
    for (let i = 0; i < 3; i++) r.entry({ path: `f${i}`, type: 'file', size: 1, mode: 0o644, uid: 0, gid: 0, layer: 0 });
    expect(r.overflowed).toBe(true);
    expect(r.finish({ entries: 3, tarBytes: 1, fileBytes: 3, stopped: false })).toBeUndefined();
    const s = new LayerRecorder();
    expect(s.finish({ entries: 0, tarBytes: 0, fileBytes: 0, stopped: true })).toBeUndefined();
  });

  it.each([
    ['columns that disagree with the events', (r: LayerRecord) => r.sizes.pop()],
    ['an unknown event', (r: LayerRecord) => (r.events = `${r.events}z`)],
    ['a meta index out of range', (r: LayerRecord) => (r.meta[0] = 99)],
    ['a negative size', (r: LayerRecord) => (r.sizes[0] = -1)],
    ['a link to no entry', (r: LayerRecord) => r.links.push([99, 'x'])],
    ['an unknown anomaly kind', (r: LayerRecord) => (r.anomalies[0]![0] = 'nope' as never)],
  ])('rejects a record with %s (E_MALFORMED)', (_what, spoil) => {
    const r = JSON.parse(JSON.stringify(sampleRecord())) as LayerRecord;
    spoil(r);
    expect(() => checkLayerRecord(r, 'test')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
});

describe('layer facts', () => {
  it('are used for the blob they were read from, for any blob of the diff_id only when the diff_id was checked', () => {
    const plain = JSON.parse(JSON.stringify(facts()));
    expect(checkLayerFacts(plain, 'sha256:d', 'v', 'sha256:b')).toBeDefined();
    // Another blob claiming the same diff_id (a config may claim anything): not trusted...
    expect(checkLayerFacts(plain, 'sha256:d', 'v', 'sha256:other')).toBeUndefined();
    // ...unless the diff_id was checked against the tar when the facts were written.
    expect(checkLayerFacts(JSON.parse(JSON.stringify(facts({ diffIdChecked: true }))), 'sha256:d', 'v', 'sha256:other')).toBeDefined();
  });

  it('of another diff_id or variant are refused (E_MALFORMED)', () => {
    const f = JSON.parse(JSON.stringify(facts()));
    expect(() => checkLayerFacts(f, 'sha256:e', 'v', 'sha256:b')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(() => checkLayerFacts(f, 'sha256:d', 'w', 'sha256:b')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
});

describe('file entries', () => {
  const entry = (diffIdChecked: boolean) => ({ diffId: 'sha256:d', path: 'usr/bin/dash', blob: 'sha256:b', diffIdChecked, data: Buffer.from('\x7fELF').toString('base64') });
  it('give the bytes back for the same blob, for another blob only when the diff_id was checked', () => {
    expect(checkFileEntry(entry(false), 'sha256:d', 'usr/bin/dash', 'sha256:b')).toEqual(Buffer.from('\x7fELF'));
    expect(checkFileEntry(entry(false), 'sha256:d', 'usr/bin/dash', 'sha256:other')).toBeUndefined();
    expect(checkFileEntry(entry(true), 'sha256:d', 'usr/bin/dash', 'sha256:other')).toEqual(Buffer.from('\x7fELF'));
  });
  it('of another path are refused (E_MALFORMED)', () => {
    expect(() => checkFileEntry(entry(true), 'sha256:d', 'usr/bin/bash', 'sha256:b')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
});
