// Shared by the benchmarks: Debian's docker-registry on a free 127.0.0.1 port, in a scratch dir.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a registry storing under `dir`; resolves to { host, child } once /v2/ answers (bounded: 10 s). */
export async function startRegistry(dir) {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  // distribution reads every REGISTRY_* variable as a config override.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const log = openSync(join(dir, 'log'), 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { env, stdio: ['ignore', log, log] });
  closeSync(log);
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v2/`);
      await r.body?.cancel();
      if (r.ok) return { host: `127.0.0.1:${port}`, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('docker-registry did not start');
}

/** SIGTERM, then SIGKILL after 3 s. */
export async function stopRegistry(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
