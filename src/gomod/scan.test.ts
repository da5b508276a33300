import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgoReasons, embeddedPaths, localClosure, packageArg, scanGoModule } from './scan.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

describe('scanGoModule on the bundled examples', () => {
  it('greeter: one main package, its local imports, the -healthcheck flag, no cgo', async () => {
    const info = await scanGoModule(join(EXAMPLES, 'greeter'));
    expect(info.goMod.module).toBe('example.com/greeter');
    expect(info.goVersion).toBe('1.19');
    expect(info.mains.map(packageArg)).toEqual(['./cmd/greeter']);
    const main = info.mains[0]!;
    expect(main.healthcheck).toEqual({ kind: 'flag', arg: '-healthcheck' });
    expect(localClosure(info, main).map((p) => p.dir).sort()).toEqual(['cmd/greeter', 'internal/api', 'internal/version']);
    expect(cgoReasons(info, main)).toEqual([]);
  });

  it('notes: root main package, healthcheck subcommand, //go:embed static', async () => {
    const info = await scanGoModule(join(EXAMPLES, 'notes'));
    expect(info.mains.map(packageArg)).toEqual(['.']);
    expect(info.mains[0]!.healthcheck).toEqual({ kind: 'subcommand', arg: 'healthcheck' });
    expect(embeddedPaths(info, info.mains[0]!)).toEqual(['static']);
  });

  it('cgo-hash: import "C" is a reason to keep cgo', async () => {
    const info = await scanGoModule(join(EXAMPLES, 'cgo-hash'));
    expect(cgoReasons(info).map((r) => r.kind)).toEqual(['import-c']);
  });

  it('a directory without go.mod is E_NOT_FOUND', async () => {
    await expect(scanGoModule(join(EXAMPLES, 'greeter', 'cmd'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
