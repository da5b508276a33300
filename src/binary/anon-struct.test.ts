/**
 * Methods of anonymous struct types: Go names the wrappers it generates for promoted methods after
 * the struct literal (`go.(*struct { *bytes.Buffer; io.Closer }).Close` in Go 1.19), a name full of
 * package paths and dots. Their package is the literal's first package-qualified type, never a
 * bucket named after the literal (`go:struct { *github.com`, `struct { *bytes`), and their code is not
 * the `go` package's.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { ANON_STRUCT, buildFixtures } from '../../test/fixtures/go/build-fixtures.js';
import { describeWithTools } from '../../test/helpers/tools.js';
import { analyzeBinary } from './analyze.js';
import { symbolPackage } from './attribute.js';
import { packageOf } from './packages.js';

const run = promisify(execFile);
/** A package named after (part of) a struct literal; `go` itself is the linker's go.buildinfo, go.func.* symbols. */
const BOGUS = /^(go[.:]|struct \{|\(\*)|struct \{/;

describeWithTools(['go'], 'anonymous struct types', () => {
  const bins = new Map<string, string>();
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures(ANON_STRUCT)) bins.set(k, v);
  }, 900_000);

  it('the fixture has wrapper functions named after struct literals (what the test is about)', async () => {
    const { stdout } = await run('go', ['tool', 'nm', bins.get('anonstruct.default')!], { maxBuffer: 64 << 20 });
    const wrappers = stdout.split('\n').filter((l) => / T go\.(\(\*)?struct \{/.test(l));
    expect(wrappers.length).toBeGreaterThanOrEqual(4);
    for (const l of wrappers) {
      const name = l.replace(/^\s*[0-9a-f]+ T /, '');
      expect(['bytes', 'main'], name).toContain(packageOf(name));
    }
  });

  it('no package is named after a struct literal, unstripped or stripped, from the bytes or by range', () => {
    for (const [name, path] of bins) {
      const bytes = readFileSync(path);
      const r = analyzeBinary(bytes, { path: name });
      const names = r.packages.map((p) => p.name);
      expect(names.filter((n) => BOGUS.test(n)), name).toEqual([]);
      expect(r.modules.map((m) => m.path).filter((n) => BOGUS.test(n)), name).toEqual([]);
      // The wrappers' code went to the packages their literals name, none to `go`.
      expect(names, name).toEqual(expect.arrayContaining(['bytes', 'strings', 'main', 'io']));
      // Nor anything else: the linker's go.buildinfo, go.func.*, go.go symbols are no package's.
      expect(names, name).not.toContain('go');
      const source = { size: bytes.length, readInto: (t: Uint8Array, to: number, o: number, n: number) => t.set(bytes.subarray(o, o + n), to) };
      expect(analyzeBinary(source, { path: name }).packages, name).toEqual(r.packages);
    }
  });

  it('type and itab symbols of struct literals, tags with commas and dots included', () => {
    expect(symbolPackage('go.itab.struct { main.n int "json:\\"n,count\\""; *strings.Reader },io.Reader')).toBe('main');
    expect(symbolPackage('type.*struct { *bytes.Buffer; io.Closer }')).toBe('bytes');
    expect(symbolPackage('type:struct { Ref string "json:\\"$ref,omitempty\\""; k8s.io/kube-openapi/pkg/validation/spec.Extensions }')).toBe('k8s.io/kube-openapi/pkg/validation/spec');
    expect(packageOf('go:struct { *github.com/prometheus/client_golang/prometheus/promhttp.responseWriterDelegator; net/http.Pusher }.Push')).toBe('github.com/prometheus/client_golang/prometheus/promhttp');
    // Fields of built-in types only: no package to name, the compiler's bucket.
    expect(packageOf('go.struct { a int; b []string }.String')).toBe('<compiler-generated>');
  });
});
