/**
 * Proof for the registry side of issue 5: `goslim build --push` and `goslim push`
 * against Debian's docker-registry (distribution 2.8.2) on 127.0.0.1, with
 * htpasswd auth, cross-checked with skopeo (pushed and pulled digests identical).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/context.js';
import { REPO_ROOT } from '../helpers/images.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { describeWithTools } from '../helpers/tools.js';

async function goslim(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env: { ...process.env, ...env }, cwd };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'goslim-push-e2e-'));
const app = join(work, 'greeter');
let reg: RegistryHandle;
let env: NodeJS.ProcessEnv;
let creds: string;

beforeAll(async () => {
  cpSync(join(REPO_ROOT, 'examples', 'greeter'), app, { recursive: true });
  reg = await startRegistry({ auth: 'htpasswd' });
  creds = `${reg.username}:${reg.password}`;
  const dockerConfig = join(work, 'docker');
  mkdirSync(dockerConfig);
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(creds).toString('base64') } } }));
  env = { DOCKER_CONFIG: dockerConfig, GOSLIM_CACHE: join(work, 'cache') };
});

afterAll(async () => {
  await reg?.stop();
});

const skopeo = (...args: string[]) => execFileSync('skopeo', args, { maxBuffer: 64 << 20 });

describeWithTools(['docker-registry'], 'goslim build --push / goslim push against a real registry', () => {
  let built: { digest: string; outputs: Array<{ destination: string; digest: string }>; sbom: { attached: { digest: string; discoverableBy: string; tag?: string } } };

  it('refuses without credentials (E_AUTH, exit 2) and never prints the password', async () => {
    const r = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--push', `${reg.host}/goslim/greeter:v1`], { GOSLIM_CACHE: join(work, 'cache'), DOCKER_CONFIG: join(work, 'empty') }, app);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_AUTH/);
    expect(r.stderr + r.stdout).not.toContain(reg.password);
  });

  it('pushes with htpasswd credentials from config.json; skopeo pulls back the same digest', async () => {
    const ref = `${reg.host}/goslim/greeter:v1`;
    const r = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--push', ref, '--json'], env, app);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(reg.password);
    built = JSON.parse(r.stdout) as typeof built;
    const raw = skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${ref}`);
    expect(sha256(raw)).toBe(built.digest);
    const pulled = join(work, 'pulled');
    skopeo('copy', '--quiet', '--src-tls-verify=false', '--src-creds', creds, `docker://${ref}`, `oci:${pulled}:v1`);
    expect(sha256(skopeo('inspect', '--raw', `oci:${pulled}:v1`))).toBe(built.digest);
  });

  it('attaches the SBOM as an artifact with subject; distribution 2.8.2 has no referrers API, so it is tagged sha256-<hex>.sbom', async () => {
    expect(built.sbom.attached.discoverableBy).toBe('tag');
    const tag = `sha256-${built.digest.slice(7)}.sbom`;
    expect(built.sbom.attached.tag).toBe(tag);
    const art = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${reg.host}/goslim/greeter:${tag}`).toString()) as {
      artifactType: string;
      subject: { digest: string };
      layers: Array<{ digest: string; mediaType: string }>;
    };
    expect(art.artifactType).toBe('application/spdx+json');
    expect(art.subject.digest).toBe(built.digest);
    const res = await fetch(`http://${reg.host}/v2/goslim/greeter/blobs/${art.layers[0]!.digest}`, {
      headers: { Authorization: `Basic ${Buffer.from(creds).toString('base64')}` },
    });
    const doc = (await res.json()) as { spdxVersion: string; packages: Array<{ name: string }> };
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    expect(doc.packages.map((p) => p.name)).toContain('example.com/greeter/cmd/greeter');
  });

  it('goslim push copies registry -> OCI layout -> registry -> docker-archive keeping the digest', async () => {
    const layout = join(work, 'copy-layout');
    const a = await goslim(['push', `docker://${reg.host}/goslim/greeter:v1`, `oci:${layout}:v1`, '--json'], env, work);
    expect(a.code, a.stderr).toBe(0);
    expect((JSON.parse(a.stdout) as { digest: string }).digest).toBe(built.digest);
    expect(sha256(skopeo('inspect', '--raw', `oci:${layout}:v1`))).toBe(built.digest);
    const b = await goslim(['push', `oci:${layout}:v1`, `docker://${reg.host}/other/greeter:copied`], env, work);
    expect(b.code, b.stderr).toBe(0);
    expect(sha256(skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${reg.host}/other/greeter:copied`))).toBe(built.digest);
    const tar = join(work, 'copy.tar');
    const c = await goslim(['push', `docker://${reg.host}/goslim/greeter:v1`, `docker-archive:${tar}:greeter:v1`], env, work);
    expect(c.code, c.stderr).toBe(0);
    expect(sha256(skopeo('inspect', '--raw', `oci-archive:${tar}`))).toBe(built.digest);
    // docker load reads manifest.json; skopeo's docker-archive reader checks every layer against its diff_id.
    const manifestJson = JSON.parse(execFileSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' })) as Array<{ RepoTags: string[] }>;
    expect(manifestJson[0]!.RepoTags).toEqual(['greeter:v1']);
    skopeo('copy', '--quiet', `docker-archive:${tar}`, `oci:${join(work, 'from-docker-archive')}:x`);
  });

  it('pushes a multi-arch index and goslim push copies the whole index byte for byte', async () => {
    const ref = `${reg.host}/goslim/multi:1`;
    const r = await goslim(['build', './cmd/greeter', '--base', 'scratch', '--platform', 'linux/amd64,linux/arm64', '--push', ref, '--oci', join(work, 'multi'), '--sbom', 'none', '--json'], env, app);
    expect(r.code, r.stderr).toBe(0);
    const digest = (JSON.parse(r.stdout) as { digest: string }).digest;
    const raw = skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${ref}`);
    expect(sha256(raw)).toBe(digest);
    const copy = await goslim(['push', `oci:${join(work, 'multi')}:latest`, `docker://${reg.host}/copied/multi:1`], env, work);
    expect(copy.code, copy.stderr).toBe(0);
    expect(sha256(skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${reg.host}/copied/multi:1`))).toBe(digest);
    // skopeo agrees it is a complete, pullable index: copy every platform out of it.
    skopeo('copy', '--quiet', '--all', '--src-tls-verify=false', '--src-creds', creds, `docker://${reg.host}/copied/multi:1`, `oci:${join(work, 'multi-pulled')}:x`);
    expect(sha256(skopeo('inspect', '--raw', `oci:${join(work, 'multi-pulled')}:x`))).toBe(digest);
  }, 600_000);

  it('builds on a base from the (authenticated) registry: per-platform base images, annotations, blobs cached and mounted', async () => {
    const baseRef = `${reg.host}/goslim/multi:1`;
    const index = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${baseRef}`).toString()) as {
      manifests: Array<{ digest: string; platform: { architecture: string } }>;
    };
    const cache = join(work, 'cache-registry-base');
    const dest = `${reg.host}/goslim/layered:1`;
    const r = await goslim(
      ['build', './cmd/greeter', '--base', baseRef, '--platform', 'linux/amd64,linux/arm64', '--push', dest, '--sbom', 'none', '--json'],
      { ...env, GOSLIM_CACHE: cache },
      app,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { platforms: Array<{ platform: string; digest: string; base: { digest: string; reference: string } }> };
    for (const p of out.platforms) {
      const arch = p.platform.split('/')[1];
      expect(p.base.digest).toBe(index.manifests.find((m) => m.platform.architecture === arch)!.digest);
      const m = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${reg.host}/goslim/layered@${p.digest}`).toString()) as {
        annotations: Record<string, string>;
        layers: Array<{ digest: string }>;
      };
      expect(m.annotations['org.opencontainers.image.base.name']).toBe(baseRef);
      expect(m.annotations['org.opencontainers.image.base.digest']).toBe(p.base.digest);
      // The base layer went through the on-disk blob cache.
      expect(existsSync(join(cache, 'blobs', 'sha256', m.layers[0]!.digest.slice(7)))).toBe(true);
    }
    // A rebuild reads the base blobs from the cache and gets the same index digest.
    const again = await goslim(
      ['build', './cmd/greeter', '--base', baseRef, '--platform', 'linux/amd64,linux/arm64', '--oci', join(work, 'layered-again'), '--sbom', 'none', '--json'],
      { ...env, GOSLIM_CACHE: cache },
      app,
    );
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { digest: string }).digest).toBe(sha256(skopeo('inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${dest}`)));
  }, 600_000);
});
