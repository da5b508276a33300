/**
 * .dockerignore matching for the top-level entries of a build context, following
 * the documented rules (https://docs.docker.com/build/concepts/context/#dockerignore-files):
 * patterns are Go filepath.Match globs relative to the context root, `**` matches any
 * number of directories, a leading `!` re-includes, the last matching pattern wins.
 * One matcher for lint (G020), fix (the build context's entries) and the .dockerignore fix and init write.
 */

export interface IgnoreRule {
  negate: boolean;
  re: RegExp;
  /** The pattern's first path segment matches a top-level entry (used for "is the whole entry excluded"). */
  pattern: string;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` anything below.
        if (glob[i + 1] === '/') {
          re += '(?:.*/)?';
          i++;
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}(/.*)?$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    // Patterns are cleaned like filepath.Clean; a leading "/" means the context root.
    line = line.replace(/^\/+/, '').replace(/^\.\//, '').replace(/\/+$/, '');
    if (line === '' || line === '.') continue;
    rules.push({ negate, re: globToRegExp(line), pattern: line });
  }
  return rules;
}

/** Is the path (relative to the context root, forward slashes) excluded? Last match wins. */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  let ignored = false;
  for (const r of rules) if (r.re.test(path)) ignored = !r.negate;
  return ignored;
}

/** Whether some rule re-includes something inside `dir` (then the entry is only partly excluded). */
export function hasReinclusionUnder(rules: IgnoreRule[], dir: string): boolean {
  return rules.some((r) => r.negate && (r.pattern === dir || r.pattern.startsWith(`${dir}/`)));
}
