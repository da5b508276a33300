/**
 * Does this module really need cgo? Two honest signals, nothing guessed:
 *  1. one of the module's own packages that a main package is built from has `import "C"`;
 *  2. go.mod requires a module that is known to be cgo-only (a binding to a C library with
 *     no pure-Go fallback), e.g. github.com/mattn/go-sqlite3, confluent-kafka-go.
 * Everything else builds with CGO_ENABLED=0 (the net and os/user packages have pure-Go
 * fallbacks, see https://pkg.go.dev/net#hdr-Name_Resolution).
 */
import type { GoMod } from './go-mod.js';

/** Module path prefixes whose packages require cgo (no pure-Go build). */
export const KNOWN_CGO_MODULES: ReadonlyArray<{ prefix: string; why: string }> = [
  { prefix: 'github.com/mattn/go-sqlite3', why: 'binds the SQLite C library (use modernc.org/sqlite for a pure-Go build)' },
  { prefix: 'github.com/confluentinc/confluent-kafka-go', why: 'binds librdkafka' },
  { prefix: 'github.com/google/gopacket/pcap', why: 'binds libpcap' },
  { prefix: 'github.com/tecbot/gorocksdb', why: 'binds RocksDB' },
  { prefix: 'github.com/linxGnu/grocksdb', why: 'binds RocksDB' },
  { prefix: 'github.com/DataDog/zstd', why: 'compiles the zstd C sources' },
  { prefix: 'github.com/h2non/bimg', why: 'binds libvips' },
  { prefix: 'github.com/davidbyttow/govips', why: 'binds libvips' },
  { prefix: 'gopkg.in/gographics/imagick', why: 'binds ImageMagick' },
  { prefix: 'github.com/go-gl/', why: 'binds OpenGL' },
  { prefix: 'github.com/godror/godror', why: 'binds the Oracle client (ODPI-C)' },
  { prefix: 'github.com/mattn/go-oci8', why: 'binds the Oracle client' },
  { prefix: 'github.com/ceph/go-ceph', why: 'binds librados' },
  { prefix: 'github.com/libgit2/git2go', why: 'binds libgit2' },
];

export interface CgoReason {
  kind: 'import-c' | 'module';
  /** Package directory (relative to the module root) or the required module path. */
  where: string;
  why: string;
}

/** Reasons from go.mod requirements (pure). */
export function cgoModulesRequired(mod: GoMod): CgoReason[] {
  const out: CgoReason[] = [];
  for (const r of mod.requires) {
    const known = KNOWN_CGO_MODULES.find((k) => r.path === k.prefix || r.path.startsWith(k.prefix.endsWith('/') ? k.prefix : `${k.prefix}/`));
    if (known) out.push({ kind: 'module', where: r.path, why: known.why });
  }
  return out;
}
