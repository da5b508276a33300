/**
 * Builds test/attacks/escape (a static Go program that tries every way out of the sandbox)
 * with the machine's Go toolchain, cached under test/.work/attacks/<hash>/ (hash of the
 * source and `go version`), offline: CGO_ENABLED=0, GOPROXY=off, stdlib only.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { goEnv, WORK } from '../fixtures/go/build-fixtures.js';
import { withLock } from '../helpers/lock.js';

const run = promisify(execFile);
const SRC = join(dirname(fileURLToPath(import.meta.url)), 'escape');

/** `goarch`: another architecture than the host's (for the emulated run); default the host's. */
export async function buildEscape(goarch?: string): Promise<string> {
  const version = (await run('go', ['version'])).stdout.trim();
  const h = createHash('sha256').update(version).update(goarch ?? '');
  for (const f of ['go.mod', 'main.go']) h.update(readFileSync(join(SRC, f)));
  const dir = join(WORK, 'attacks', h.digest('hex').slice(0, 16));
  const out = join(dir, 'escape');
  if (existsSync(out)) return out;
  mkdirSync(join(WORK, 'attacks'), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(out)) return out;
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    await run('go', ['build', '-buildvcs=false', '-trimpath', '-o', tmp, '.'], {
      cwd: SRC,
      timeout: 300_000,
      env: goEnv({ CGO_ENABLED: '0', ...(goarch !== undefined ? { GOARCH: goarch } : {}) }),
    });
    renameSync(tmp, out);
    return out;
  });
}
