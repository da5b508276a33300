// The fixture images the benchmarks read (test/fixtures/images/make-images.sh, built once and cached).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The OCI layout directory of fixture image `name` (built first when missing; GOSLIM_FIXTURE_DIR overrides where). */
export function fixtureLayout(name) {
  const out = process.env.GOSLIM_FIXTURE_DIR ?? join(root, 'test', '.work', 'images');
  if (!existsSync(join(out, 'images.json'))) {
    console.log('building fixture images (cached; a cold build takes a few minutes)...');
    execFileSync('bash', [join(root, 'test', 'fixtures', 'images', 'make-images.sh'), out], { stdio: 'inherit', timeout: 30 * 60_000 });
  }
  const info = JSON.parse(readFileSync(join(out, 'images.json'), 'utf8')).images[name];
  return join(out, info.paths.oci);
}
