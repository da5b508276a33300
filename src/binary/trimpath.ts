/**
 * The -trimpath question: absolute file names in the pclntab file table leak the
 * build machine's layout (GOROOT, workspace, user names, module cache).
 * `go build -trimpath` rewrites them (cmd/go: "remove all file system paths from
 * the resulting executable"): GOROOT/src/x -> x, module cache dir -> module@version,
 * main module dir -> module path.
 */

/** POSIX absolute, Windows drive-letter, or UNC path. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/**
 * Bytes -trimpath would save in the file table, estimated per path from the rewrite
 * rules above. The main module's directory is unknown, so its files are assumed to
 * become `<main module path>/<base name>` (a lower bound for nested packages' savings).
 */
export function estimateTrimpathSavings(leaked: readonly string[], mainModule: string | null): number {
  // GOROOT is the prefix before "/src/runtime/" of any runtime file.
  let goroot: string | undefined;
  for (const p of leaked) {
    const i = p.indexOf('/src/runtime/');
    if (i > 0) {
      goroot = p.slice(0, i + '/src/'.length);
      break;
    }
  }
  let saved = 0;
  for (const p of leaked) {
    let trimmed: string;
    const mod = p.indexOf('/pkg/mod/');
    if (mod >= 0) trimmed = p.slice(mod + '/pkg/mod/'.length);
    else if (goroot && p.startsWith(goroot)) trimmed = p.slice(goroot.length);
    else {
      const base = p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
      trimmed = mainModule ? `${mainModule}/${base}` : base;
    }
    saved += Math.max(0, Buffer.byteLength(p) - Buffer.byteLength(trimmed));
  }
  return saved;
}
