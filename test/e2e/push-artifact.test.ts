/**
 * Issue 17: scan results pushed to a registry as an OCI artifact (`goslim push --artifact`),
 * against Debian's docker-registry on 127.0.0.1 with htpasswd auth, checked from outside with
 * skopeo (the manifest as the registry serves it; a copy back to an OCI layout, byte for byte)
 * and with the registry API (each blob fetched by digest).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDocument } from '../../src/image/documents.js';
import { RegistryClient } from '../../src/image/registry/client.js';
import { artifactFileMediaType, EMPTY_CONFIG_MEDIA_TYPE, SCAN_ARTIFACT_TYPE, TITLE_ANNOTATION } from '../../src/image/sinks/artifact.js';
import { sha256Digest } from '../../src/image/digest.js';
import { runInProcess } from '../helpers/in-process-cli.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { describeWithTools, itWithTools } from '../helpers/tools.js';
import { REPO_ROOT } from '../helpers/images.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'goslim-push-artifact-'));
let reg: RegistryHandle;
let env: NodeJS.ProcessEnv;
let creds: string;

beforeAll(async () => {
  reg = await startRegistry({ auth: 'htpasswd' });
  creds = `${reg.username}:${reg.password}`;
  const dockerConfig = join(work, 'docker');
  mkdirSync(dockerConfig);
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(creds).toString('base64') } } }));
  env = { DOCKER_CONFIG: dockerConfig };
});

afterAll(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

const skopeo = (...args: string[]) => execFileSync('skopeo', args, { maxBuffer: 64 << 20 });

interface PushJson {
  destination: string;
  digest: string;
  mediaType: string;
  artifactType: string;
  files: Array<{ title: string; mediaType: string; digest: string; size: number }>;
  bytesWritten: number;
}

describeWithTools(['docker-registry', 'skopeo'], 'goslim push --artifact: scan results as an OCI artifact', () => {
  const records = join(work, 'fleet.jsonl');
  const summary = join(work, 'fleet.json');
  // 3 MiB of records: more than one read buffer of the file upload (1 MiB), with a multi-byte character.
  const recordBytes = Buffer.from(Array.from({ length: 30_000 }, (_, i) => `{"schemaVersion":1,"kind":"error","ref":"r${i}","code":"E_NOT_FOUND","message":"µ ${'x'.repeat(40)}"}\n`).join(''));
  const summaryBytes = Buffer.from('{"schemaVersion":1,"kind":"fleet","references":30000}\n');
  let pushed: PushJson;

  it('pushes the records and the summary as one artifact: artifactType, the empty config, one titled layer per file', async () => {
    writeFileSync(records, recordBytes);
    writeFileSync(summary, summaryBytes);
    const ref = `${reg.host}/goslim/scans:nightly`;
    const r = await runInProcess(['push', '--artifact', records, summary, `docker://${ref}`, '--json'], env, work);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(reg.password);
    pushed = JSON.parse(r.stdout) as PushJson;
    expect(pushed.artifactType).toBe(SCAN_ARTIFACT_TYPE);
    expect(pushed.bytesWritten).toBe(recordBytes.length + summaryBytes.length + 2);

    // The manifest as the registry serves it (skopeo), hashed to the digest push printed.
    const raw = skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${ref}`);
    expect(sha256(raw)).toBe(pushed.digest);
    // Our OCI image-manifest shape (src/image/documents.ts) accepts it.
    const parsed = parseDocument('manifest', raw, 'artifact manifest');
    expect(parsed.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(parsed.artifactType).toBe(SCAN_ARTIFACT_TYPE);
    expect(parsed.config).toEqual({ mediaType: EMPTY_CONFIG_MEDIA_TYPE, digest: sha256(Buffer.from('{}')), size: 2 });
    expect(parsed.layers).toEqual([
      { mediaType: 'application/vnd.goslim.scan.records.v1+jsonl', digest: sha256(recordBytes), size: recordBytes.length, annotations: { [TITLE_ANNOTATION]: 'fleet.jsonl' } },
      { mediaType: 'application/vnd.goslim.scan.summary.v1+json', digest: sha256(summaryBytes), size: summaryBytes.length, annotations: { [TITLE_ANNOTATION]: 'fleet.json' } },
    ]);
  });

  it('comes back byte for byte: through the registry API by digest, and with skopeo copy to an OCI layout', async () => {
    const client = new RegistryClient(reg.host, { credential: { username: reg.username, password: reg.password } });
    const manifest = await client.getManifest('goslim/scans', 'nightly');
    expect(manifest.digest).toBe(pushed.digest);
    const layers = parseDocument('manifest', manifest.raw, 'artifact manifest').layers;
    const byTitle = new Map<string, Buffer>();
    for (const l of layers) byTitle.set(l.annotations![TITLE_ANNOTATION]!, await client.getBlob('goslim/scans', l.digest, 16 << 20));
    expect(byTitle.get('fleet.jsonl')!.equals(recordBytes)).toBe(true);
    expect(byTitle.get('fleet.json')!.equals(summaryBytes)).toBe(true);
    expect((await client.getBlob('goslim/scans', sha256(Buffer.from('{}')), 16)).toString()).toBe('{}');

    const back = join(work, 'back');
    skopeo('copy', '--quiet', '--src-tls-verify=false', '--src-creds', creds, `docker://${reg.host}/goslim/scans:nightly`, `oci:${back}:nightly`);
    expect(sha256(skopeo('inspect', '--raw', `oci:${back}:nightly`))).toBe(pushed.digest);
    for (const f of pushed.files) {
      const blob = readFileSync(join(back, 'blobs', 'sha256', f.digest.slice(7)));
      expect(blob.equals(f.title === 'fleet.jsonl' ? recordBytes : summaryBytes)).toBe(true);
    }
  });

  it('goslim pull writes the files back under their titles, byte for byte', async () => {
    const out = join(work, 'pulled');
    const r = await runInProcess(['pull', `docker://${reg.host}/goslim/scans:nightly`, out, '--json'], env, work);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { digest: string; artifactType: string; files: Array<{ title: string }> };
    expect(got.digest).toBe(pushed.digest);
    expect(got.artifactType).toBe(SCAN_ARTIFACT_TYPE);
    expect(readdirSync(out).sort()).toEqual(['fleet.json', 'fleet.jsonl']);
    expect(readFileSync(join(out, 'fleet.jsonl')).equals(recordBytes)).toBe(true);
    expect(readFileSync(join(out, 'fleet.json')).equals(summaryBytes)).toBe(true);
  });

  it('goslim pull refuses a title that is not a plain file name (E_UNSAFE_PATH) or a layer without one (E_MALFORMED), writing nothing', async () => {
    const client = new RegistryClient(reg.host, { credential: { username: reg.username, password: reg.password } });
    const data = Buffer.from('payload\n');
    await client.uploadBlob('goslim/hostile', sha256Digest(data), data.length, async () => Readable.from([data]));
    const empty = Buffer.from('{}');
    await client.uploadBlob('goslim/hostile', sha256Digest(empty), 2, async () => Readable.from([empty]));
    const manifest = (annotations: Record<string, string> | undefined) =>
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: SCAN_ARTIFACT_TYPE, config: { mediaType: EMPTY_CONFIG_MEDIA_TYPE, digest: sha256Digest(empty), size: 2 }, layers: [{ mediaType: 'text/plain', digest: sha256Digest(data), size: data.length, ...(annotations ? { annotations } : {}) }] }));
    const cases: Array<[string, Record<string, string> | undefined, string]> = [
      ['up', { [TITLE_ANNOTATION]: '../escaped.txt' }, 'E_UNSAFE_PATH'],
      ['abs', { [TITLE_ANNOTATION]: join(work, 'abs-escaped.txt') }, 'E_UNSAFE_PATH'],
      ['sub', { [TITLE_ANNOTATION]: 'a/b.txt' }, 'E_UNSAFE_PATH'],
      ['dot', { [TITLE_ANNOTATION]: '..' }, 'E_UNSAFE_PATH'],
      ['none', undefined, 'E_MALFORMED'],
    ];
    for (const [tag, annotations, code] of cases) {
      await client.putManifest('goslim/hostile', tag, manifest(annotations), 'application/vnd.oci.image.manifest.v1+json');
      const out = join(work, 'hostile', tag, 'out');
      const r = await runInProcess(['pull', `docker://${reg.host}/goslim/hostile:${tag}`, out], env, work);
      expect(r.code, `${tag}: ${r.stderr}`).toBe(2);
      expect(r.stderr, tag).toContain(code);
      expect(existsSync(out), tag).toBe(false);
      expect(existsSync(join(work, 'hostile', tag, 'escaped.txt')), tag).toBe(false);
    }
    expect(existsSync(join(work, 'abs-escaped.txt'))).toBe(false);
    const notRegistry = await runInProcess(['pull', `oci:${work}`, join(work, 'x')], env, work);
    expect(notRegistry.code).toBe(2);
    expect(notRegistry.stderr).toContain('E_USAGE');
  });

  it('is reproducible: the same files give the same manifest digest, and blobs the registry has are not sent again', async () => {
    const r = await runInProcess(['push', '--artifact', records, summary, `docker://${reg.host}/goslim/scans:again`, '--json'], env, work);
    expect(r.code, r.stderr).toBe(0);
    const again = JSON.parse(r.stdout) as PushJson;
    expect(again.digest).toBe(pushed.digest);
    expect(again.bytesWritten).toBe(0);
  });

  it('takes --artifact-type, and names the media type of each file by its extension', async () => {
    const notes = join(work, 'notes.md');
    writeFileSync(notes, '# fleet\n');
    const r = await runInProcess(['push', '--artifact', '--artifact-type', 'application/vnd.example.report.v1', notes, `docker://${reg.host}/goslim/notes:v1`, '--json'], env, work);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as PushJson;
    expect(out.artifactType).toBe('application/vnd.example.report.v1');
    expect(out.files.map((f) => f.mediaType)).toEqual(['text/markdown']);
    expect(artifactFileMediaType('x.ndjson')).toBe('application/vnd.goslim.scan.records.v1+jsonl');
    expect(artifactFileMediaType('x.bin')).toBe('application/octet-stream');
  });

  itWithTools(['dist'], 'the built CLI exits on its own after pushing (every connection released: a kept one held the process open)', () => {
    // The bound is there so a regression fails instead of hanging; nothing is timed.
    const one = join(work, 'exits', 'one.json');
    mkdirSync(join(work, 'exits'), { recursive: true });
    writeFileSync(one, '{}\n');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/goslim.js'), 'push', '--artifact', one, `docker://${reg.host}/goslim/exits:v1`], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal, 'still running after 60 s').toBeNull();
    expect(r.status, r.stderr).toBe(0);
  });

  it('refuses what it cannot push as an artifact (exit 2 with a code), and leaves no tag behind', async () => {
    const cases: Array<[string[], string]> = [
      [['push', '--artifact', records, `oci:${join(work, 'layout')}`], 'E_USAGE'],
      [['push', '--artifact', join(work, 'missing.jsonl'), `docker://${reg.host}/goslim/bad:v1`], 'E_NOT_FOUND'],
      [['push', '--artifact', records, join(work), `docker://${reg.host}/goslim/bad:v1`], 'E_USAGE'],
      [['push', '--artifact', '--artifact-type', 'not a type', records, `docker://${reg.host}/goslim/bad:v1`], 'E_USAGE'],
      [['push', records, summary, `docker://${reg.host}/goslim/bad:v1`], 'E_USAGE'],
      [['push', '--artifact-type', 'application/x.y', `oci:${work}`, `docker://${reg.host}/goslim/bad:v1`], 'E_USAGE'],
      [['push', '--artifact', '--platform', 'linux/amd64', records, `docker://${reg.host}/goslim/bad:v1`], 'E_USAGE'],
    ];
    mkdirSync(join(work, 'twin'));
    writeFileSync(join(work, 'twin', 'fleet.jsonl'), '{}\n');
    cases.push([['push', '--artifact', records, join(work, 'twin', 'fleet.jsonl'), `docker://${reg.host}/goslim/bad:v1`], 'E_USAGE']);
    for (const [args, code] of cases) {
      const r = await runInProcess(args, env, work);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(code);
    }
    const client = new RegistryClient(reg.host, { credential: { username: reg.username, password: reg.password } });
    expect(await client.headManifest('goslim/bad', 'v1')).toBeUndefined();
  });
});
