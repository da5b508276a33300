/**
 * ELF symbol versions (gABI "Symbol Versioning", glibc elf/dl-version.c): what a dynamic
 * binary needs from each library (`.gnu.version_r`) and what a library defines
 * (`.gnu.version_d`). Pure: the ELF reader supplies the names; this orders them and says
 * which needs a set of definitions leaves unmet — the loader's "version `X' not found".
 */

/** One library's needs, as `goslim binary` reports them: versions oldest first, and the newest. */
export interface VersionNeed {
  /** The DT_NEEDED name (vn_file), e.g. libc.so.6. */
  name: string;
  versions: string[];
  newest: string;
}

/**
 * Orders version names the way their numbers read: GLIBC_2.2.5 < GLIBC_2.17 < GLIBC_2.34.
 * Names split into the prefix before the first digit and dot-separated numbers; different
 * prefixes (GLIBC_PRIVATE, GCC_3.0) order by prefix, a name without numbers before one with.
 */
export function compareVersionNames(a: string, b: string): number {
  const split = (s: string): [string, number[]] => {
    const m = /^(.*?)(\d+(?:\.\d+)*)$/.exec(s);
    return m ? [m[1]!, m[2]!.split('.').map(Number)] : [s, []];
  };
  const [pa, na] = split(a);
  const [pb, nb] = split(b);
  if (pa !== pb) return pa < pb ? -1 : 1;
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The newest of a library's needs: the highest numbered version of its main family (the
 * prefix most of its versions share, GLIBC_ for libc). GLIBC_PRIVATE and other unnumbered
 * names are not releases and count only when nothing is numbered.
 */
export function newestVersion(versions: readonly string[]): string {
  const numbered = versions.filter((v) => /\d$/.test(v));
  if (numbered.length === 0) return versions[0] ?? '';
  const family = (v: string): string => v.replace(/[\d.]+$/, '');
  const counts = new Map<string, number>();
  for (const v of numbered) counts.set(family(v), (counts.get(family(v)) ?? 0) + 1);
  const main = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  return numbered.filter((v) => family(v) === main).sort(compareVersionNames).at(-1)!;
}

/** Per library (file order): its needed versions sorted oldest first, with the newest. */
export function versionNeeds(raw: ReadonlyArray<{ file: string; versions: readonly string[] }>): VersionNeed[] {
  return raw.map((r) => {
    const versions = [...new Set(r.versions)].sort(compareVersionNames);
    return { name: r.file, versions, newest: newestVersion(versions) };
  });
}

/** The needed versions a library's definitions do not satisfy, oldest first. */
export function unmetVersions(needed: readonly string[], defined: readonly string[]): string[] {
  const have = new Set(defined);
  return [...new Set(needed)].filter((v) => !have.has(v)).sort(compareVersionNames);
}
