// Shared by the benchmarks: Debian's docker-registry on a free 127.0.0.1 port, in a scratch dir.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Starts a registry storing under `dir`; resolves to { host, child } once /v2/ answers (bounded: 10 s).
 * It binds port 0 and we read the port it got from its log, so nothing can take the port in between.
 */
export async function startRegistry(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:0\n`);
  // distribution reads every REGISTRY_* variable as a config override.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const logPath = join(dir, 'log');
  const log = openSync(logPath, 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { env, stdio: ['ignore', log, log] });
  closeSync(log);
  let port = 0;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (port === 0) port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(readFileSync(logPath, 'utf8'))?.[1] ?? 0);
    if (port !== 0) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/v2/`);
        await r.body?.cancel();
        if (r.ok) return { host: `127.0.0.1:${port}`, child };
      } catch {}
    }
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
