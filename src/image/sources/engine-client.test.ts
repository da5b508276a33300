/**
 * The Engine API client and the docker-daemon source against a fake engine on a unix socket:
 * fault injection only (the real thing, podman's service, is in engines.test.ts). The fake
 * serves archives our test builder writes in Docker's shapes (legacy `<id>/layer.tar`,
 * Docker 25+ OCI layout), so the streamed walk is checked against the file-backed one.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeLayers } from '../filesystem/index.js';
import { openImage } from '../open.js';
import { buildTestImage, dir, file, opaque, whiteout, type TestImageSpec } from '../testing/index.js';
import { EngineClient, engineEndpoints, engineFromPing, parseDockerHost } from './engine-client.js';
import { openDockerDaemon } from './docker-daemon.js';
import { exportsOpened } from './export-worker.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-engine-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function fakeEngine(handler: Handler): Promise<{ socket: string; env: NodeJS.ProcessEnv; server: Server }> {
  const socket = join(work, `e${Math.random().toString(36).slice(2, 8)}.sock`);
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(socket, r));
  return { socket, env: { DOCKER_HOST: `unix://${socket}` }, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

const spec: TestImageSpec = {
  layers: [
    // 3 MB: a layer spans many HTTP chunks (a re-read must wait for its whole entry).
    { entries: [dir('etc'), file('etc/a', 'a\n'), dir('var/c'), file('var/c/x', 500), file('big.bin', 3_000_000)] },
    { entries: [opaque('var/c'), file('var/c/y', 200), whiteout('etc/a'), file('usr/bin/app', 3000)] },
  ],
};

/** A fake Docker 24 engine serving one archive for image `app:1`. */
function dockerLike(
  archive: string,
  configDigest: string,
  diffIds: string[],
  mutate: { body?: (b: Buffer) => Buffer; apiVersion?: string; slices?: number; cutAt?: number; getStatus?: number; garbled?: boolean } = {},
): Handler {
  return (req, res) => {
    const url = req.url ?? '';
    if (url === '/_ping') {
      res.writeHead(200, { 'Api-Version': mutate.apiVersion ?? '1.45' }).end('OK');
    } else if (url === '/version') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Version: '24.0.7', ApiVersion: '1.45', Components: [{ Name: 'Engine', Version: '24.0.7' }] }));
    } else if (/^\/v1\.\d+\/images\/app%3A1\/json$/.test(url)) {
      res.writeHead(200).end(JSON.stringify({ Id: configDigest, Architecture: 'amd64', Os: 'linux', Config: {}, RootFS: { Type: 'layers', Layers: diffIds } }));
    } else if (/^\/v1\.\d+\/images\/app%3A1\/get$/.test(url)) {
      if (mutate.garbled === true) {
        // Chunked framing that is not: a chunk size that is no hex number, after a valid chunk.
        void readFile(archive).then((b) => {
          res.socket!.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(4096).toString(16)}\r\n`);
          res.socket!.write(b.subarray(0, 4096));
          res.socket!.end('\r\nzz-not-hex\r\n');
        });
        return;
      }
      if (mutate.getStatus !== undefined) {
        res.writeHead(mutate.getStatus, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'export refused: disk full' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      if (mutate.cutAt !== undefined) {
        // Chunked, then the connection drops mid-body (inside a layer's entry).
        const at = mutate.cutAt;
        void readFile(archive).then((b) => {
          res.write(b.subarray(0, at), () => setTimeout(() => res.destroy(), 50));
        });
      } else if (mutate.body) void readFile(archive).then((b) => res.end(mutate.body!(b)));
      else if (mutate.slices !== undefined) {
        // Many small HTTP chunks: a layer spans several of them.
        const n = mutate.slices;
        void readFile(archive).then(async (b) => {
          for (let o = 0; o < b.length; o += n) {
            if (!res.write(b.subarray(o, o + n))) await new Promise((r) => res.once('drain', r));
          }
          res.end();
        });
      } else createReadStream(archive).pipe(res);
    } else if (/^\/v1\.\d+\/images\/.*\/json$/.test(url)) {
      res.writeHead(404).end(JSON.stringify({ message: 'No such image' }));
    } else {
      res.writeHead(500).end('{}');
    }
  };
}

describe('engine endpoints', () => {
  it('DOCKER_HOST alone when set; else docker, then podman sockets', () => {
    expect(engineEndpoints({ DOCKER_HOST: 'unix:///x/d.sock' }).map((e) => e.url)).toEqual(['unix:///x/d.sock']);
    expect(engineEndpoints({ XDG_RUNTIME_DIR: '/run/user/1000' }).map((e) => e.socketPath)).toEqual([
      '/var/run/docker.sock',
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
    expect(parseDockerHost('tcp://10.0.0.1:2375', {})).toMatchObject({ host: '10.0.0.1', port: 2375 });
    expect(parseDockerHost('tcp://h', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: work })).toMatchObject({ host: 'h', port: 2376, tls: {} });
    expect(() => parseDockerHost('ssh://me@h', {})).toThrow(/not supported/);
  });

  it('no engine: E_NETWORK naming every socket tried', async () => {
    const err = await EngineClient.connect({ DOCKER_HOST: `unix://${join(work, 'none.sock')}` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_NETWORK' });
    expect((err as Error).message).toContain('none.sock');
  });

  it('an engine that names itself in /_ping headers (Podman, Docker) is not asked /version', async () => {
    for (const [headers, info] of [
      [{ 'Api-Version': '1.41', 'Libpod-Api-Version': '4.3.1', Server: 'Libpod/4.3.1 (linux)' }, { kind: 'podman', version: '4.3.1', apiVersion: '1.41' }],
      [{ 'Api-Version': '1.45', Server: 'Docker/24.0.7 (linux)' }, { kind: 'docker', version: '24.0.7', apiVersion: '1.43' }],
    ] as const) {
      const asked: string[] = [];
      const engine = await fakeEngine((req, res) => {
        asked.push(req.url ?? '');
        if (req.url === '/_ping') res.writeHead(200, headers).end('OK');
        else res.writeHead(500).end('{}');
      });
      const client = await EngineClient.connect(engine.env);
      expect(client.info).toMatchObject(info);
      expect(asked).toEqual(['/_ping']);
      await close(engine.server);
    }
    // Headers that name no engine (or no API version): /version decides, as before.
    expect(engineFromPing({ server: 'nginx/1.25' })).toBeUndefined();
    expect(engineFromPing({ server: 'Docker/<script>' })).toBeUndefined();
  });

  it('something that is no engine, and an engine with a malformed /version', async () => {
    const notEngine = await fakeEngine((_req, res) => res.writeHead(404).end('nope'));
    await expect(EngineClient.connect(notEngine.env)).rejects.toMatchObject({ code: 'E_NETWORK' });
    await close(notEngine.server);
    const bad = await fakeEngine((req, res) => (req.url === '/_ping' ? res.writeHead(200).end('OK') : res.writeHead(200).end('{"Version": 3}')));
    await expect(EngineClient.connect(bad.env)).rejects.toMatchObject({ code: 'E_MALFORMED' });
    await close(bad.server);
  });
});

/** Run `fn` with GOSLIM_WORKER set to `worker` (unset: undefined), restoring it after. */
async function withWorker<T>(worker: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.GOSLIM_WORKER;
  if (worker === undefined) delete process.env.GOSLIM_WORKER;
  else process.env.GOSLIM_WORKER = worker;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.GOSLIM_WORKER;
    else process.env.GOSLIM_WORKER = saved;
  }
}

const READERS = [
  ['on the export worker thread', undefined],
  ['on the main thread (GOSLIM_WORKER=0)', '0'],
] as const;

describe('docker-daemon source (fake engine)', () => {
  for (const [where, worker] of READERS) {
    for (const format of ['docker-archive-legacy', 'docker-archive-docker25'] as const) {
      it(`streams a ${format} export into the same walk as the archive file, ${where}`, () => withWorker(worker, async () => {
        const built = await buildTestImage(spec, { dir: join(work, `${format}-${worker ?? 'w'}`), format, tag: 'app:1' });
        const fromFile = await openImage(built.reference);
        const diffIds = fromFile.config().rootfs.diff_ids;
        const engine = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), diffIds, { slices: 700 }));
        try {
          const image = await openDockerDaemon('app:1', { env: engine.env });
          expect(image.source().detail).toContain('docker 24.0.7');
          const before = exportsOpened();
          const a = await mergeLayers(image, { verifyDiffIds: true });
          expect(exportsOpened()[worker === undefined ? 'worker' : 'main']).toBe(before[worker === undefined ? 'worker' : 'main'] + 1);
          const b = await mergeLayers(fromFile);
          expect([...a.files.entries()]).toEqual([...b.files.entries()]);
          expect(a.wasted).toEqual(b.wasted);
          // The real config arrived at the end of the stream and replaced the engine's account.
          expect(image.rawConfig().equals(fromFile.rawConfig())).toBe(true);
          expect(image.manifest().layers.map((l) => l.size)).toEqual(fromFile.layers().map((l) => l.size()));
          // A layer read again is a new request that skips to it.
          const again = await mergeLayers(image);
          expect([...again.files.keys()]).toEqual([...a.files.keys()]);
        } finally {
          await close(engine.server);
        }
      }));
    }
  }

  it('faults: no such image, a layer that does not hash to its diff_id, a cut stream', async () => {
    const built = await buildTestImage(spec, { dir: join(work, 'faults'), format: 'docker-archive-legacy', tag: 'app:1' });
    const fromFile = await openImage(built.reference);
    const diffIds = fromFile.config().rootfs.diff_ids;
    const ok = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), diffIds));
    const missing = await openDockerDaemon('other:2', { env: ok.env }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'E_NOT_FOUND' });
    expect((missing as Error).message).toContain('docker 24.0.7');
    await close(ok.server);

    const swapped = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), [...diffIds].reverse()));
    await expect(mergeLayers(await openDockerDaemon('app:1', { env: swapped.env }), { verifyDiffIds: true })).rejects.toMatchObject({ code: 'E_DIGEST_MISMATCH' });
    await close(swapped.server);

    const cut = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), diffIds, { body: (b) => b.subarray(0, 3000) }));
    const err = await mergeLayers(await openDockerDaemon('app:1', { env: cut.env })).catch((e: unknown) => e);
    expect(['E_TRUNCATED', 'E_MALFORMED']).toContain((err as { code?: string }).code);
    await close(cut.server);
  });

  it('a slow reader of a layer larger than the ring gets every byte, in order (the worker waits for slots)', async () => {
    // 20 MB in one layer, read 5 ms per chunk: the 8 MiB ring fills, the socket is paused and
    // what was read beyond the ring waits; the diff_id check at the layer's end covers the order.
    const bigSpec: TestImageSpec = { layers: [{ entries: [file('big.bin', 20_000_000), file('small', 'x\n')] }] };
    const built = await buildTestImage(bigSpec, { dir: join(work, 'big'), format: 'docker-archive-legacy', tag: 'app:1' });
    const fromFile = await openImage(built.reference);
    const engine = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), fromFile.config().rootfs.diff_ids));
    try {
      const image = await openDockerDaemon('app:1', { env: engine.env });
      const chunks = (await image.layers()[0]!.tarChunks!())!;
      const hash = createHash('sha256');
      let bytes = 0;
      for (let i = 0; i < 100_000; i++) {
        const c = await chunks.read();
        if (c === undefined) break;
        hash.update(c);
        bytes += c.length;
        await new Promise((r) => setTimeout(r, 5));
      }
      chunks.close();
      expect(bytes).toBe(fromFile.layers()[0]!.size());
      expect(`sha256:${hash.digest('hex')}`).toBe(fromFile.config().rootfs.diff_ids[0]);
    } finally {
      await close(engine.server);
    }
  });

  for (const [where, worker] of READERS) {
    it(`faults ${where}: the engine refuses the export; the connection drops inside a layer`, () => withWorker(worker, async () => {
      const built = await buildTestImage(spec, { dir: join(work, `faults2-${worker ?? 'w'}`), format: 'docker-archive-legacy', tag: 'app:1' });
      const fromFile = await openImage(built.reference);
      const diffIds = fromFile.config().rootfs.diff_ids;
      const refused = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), diffIds, { getStatus: 500 }));
      const err = await mergeLayers(await openDockerDaemon('app:1', { env: refused.env })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_REGISTRY' });
      expect((err as Error).message).toContain('export refused: disk full');
      await close(refused.server);

      // 1.5 MB in: inside the 3 MB file of layer 0, whose reader is waiting for more.
      const dropped = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), diffIds, { cutAt: 1_500_000 }));
      const err2 = await mergeLayers(await openDockerDaemon('app:1', { env: dropped.env })).catch((e: unknown) => e);
      expect(err2).toMatchObject({ code: 'E_TRUNCATED' });
      await close(dropped.server);

      const garbled = await fakeEngine(dockerLike(built.path, fromFile.configDigest(), diffIds, { garbled: true }));
      const err3 = await mergeLayers(await openDockerDaemon('app:1', { env: garbled.env })).catch((e: unknown) => e);
      // The worker's reader names the framing error; node:http's parser drops the connection.
      expect(worker === undefined ? ['E_MALFORMED'] : ['E_MALFORMED', 'E_TRUNCATED']).toContain((err3 as { code?: string }).code);
      await close(garbled.server);
    }));
  }
});
