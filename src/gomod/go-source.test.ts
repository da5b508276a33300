import { describe, expect, it } from 'vitest';
import { excludedFromLinuxBuild, goFileFacts, splitEmbedPatterns } from './go-source.js';

describe('goFileFacts', () => {
  it('finds package, imports (single, grouped, named) and import "C" after a cgo preamble', () => {
    const f = goFileFacts(`// Package x does things.
package main

/*
#include <unistd.h>
import "fake" // inside the preamble, not an import
*/
import "C"
import (
	"fmt"
	str "strings"
	_ "embed"
)
func main() { fmt.Println("import \\"os\\"") }
`);
    expect(f.packageName).toBe('main');
    expect(f.imports).toEqual(['C', 'fmt', 'strings', 'embed']);
  });

  it('collects //go:embed patterns including quoted ones, ignoring look-alikes', () => {
    const f = goFileFacts(`package web
import "embed"
//go:embed templates/*.html "static files/app.css"
//go:embed all:migrations
var content embed.FS
//go:embedded is not a directive
var s = "//go:embed not/this"
`);
    expect(f.embeds).toEqual(['templates/*.html', 'static files/app.css', 'all:migrations']);
    expect(splitEmbedPatterns(' a `b c` "d"')).toEqual(['a', 'b c', 'd']);
  });

  it('reads //go:build and excludes ignore/other-OS files', () => {
    const f = goFileFacts('//go:build ignore\n\npackage main\n');
    expect(f.buildConstraint).toBe('ignore');
    expect(excludedFromLinuxBuild(f.buildConstraint)).toBe(true);
    expect(excludedFromLinuxBuild('windows')).toBe(true);
    expect(excludedFromLinuxBuild('linux && amd64')).toBe(false);
    expect(excludedFromLinuxBuild(undefined)).toBe(false);
  });

  it('detects a health probe flag or subcommand, not a mere string', () => {
    expect(goFileFacts('package main\nimport "flag"\nvar h = flag.Bool("healthcheck", false, "probe")\n').healthcheck).toEqual({
      kind: 'flag',
      arg: '-healthcheck',
    });
    expect(goFileFacts('package main\nvar h bool\nfunc init(){ flag.BoolVar(&h, "health", false, "") }\n').healthcheck).toEqual({
      kind: 'flag',
      arg: '-health',
    });
    expect(
      goFileFacts('package main\nimport "os"\nfunc main(){ switch os.Args[1] {\ncase "healthcheck":\n os.Exit(0)\n} }\n').healthcheck,
    ).toEqual({ kind: 'subcommand', arg: 'healthcheck' });
    expect(goFileFacts('package main\nvar msg = "healthcheck"\n').healthcheck).toBeUndefined();
  });
});
