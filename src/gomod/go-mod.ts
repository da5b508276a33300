/**
 * go.mod parsing: the subset goslim needs (module path, go version, toolchain,
 * requirements, replacements). Grammar from https://go.dev/ref/mod#go-mod-file:
 * line-oriented, `//` comments, directives with a single argument list or a
 * parenthesised block, module paths optionally quoted (interpreted or raw strings).
 */
import { MalformedInputError } from '../errors.js';

export interface GoModRequire {
  path: string;
  version: string;
  indirect: boolean;
}

export interface GoModReplace {
  from: string;
  fromVersion?: string;
  to: string;
  toVersion?: string;
}

export interface GoMod {
  module: string;
  /** The `go` directive, e.g. "1.19" or "1.22.3"; undefined when absent (Go assumes 1.16). */
  go?: string;
  /** The `toolchain` directive, e.g. "go1.22.5" (Go 1.21+). */
  toolchain?: string;
  requires: GoModRequire[];
  replaces: GoModReplace[];
}

/** Split one go.mod line into tokens, honouring quotes; returns the tokens and the trailing comment. */
function tokenize(line: string, lineNo: number): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '/' && line[i + 1] === '/') return { tokens, comment: line.slice(i + 2).trim() };
    if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      const end = findQuoteEnd(line, i);
      if (end < 0) throw new MalformedInputError(`go.mod line ${lineNo}: unterminated string`);
      const raw = line.slice(i, end + 1);
      tokens.push(c === '`' ? raw.slice(1, -1) : (JSON.parse(raw) as string));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < line.length && !/[\s()]/.test(line[j]!) && !(line[j] === '/' && line[j + 1] === '/')) j++;
    tokens.push(line.slice(i, j));
    i = j;
  }
  return { tokens, comment: '' };
}

function findQuoteEnd(line: string, start: number): number {
  const q = line[start];
  for (let i = start + 1; i < line.length; i++) {
    if (q === '"' && line[i] === '\\') {
      i++;
      continue;
    }
    if (line[i] === q) return i;
  }
  return -1;
}

/** Parse go.mod text. Throws E_MALFORMED when there is no module directive or a block is unterminated. */
export function parseGoMod(text: string): GoMod {
  const result: GoMod = { module: '', requires: [], replaces: [] };
  let block: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const { tokens, comment } = tokenize(lines[n]!, n + 1);
    if (tokens.length === 0) continue;
    if (block !== undefined) {
      if (tokens[0] === ')') {
        block = undefined;
        continue;
      }
      apply(result, block, tokens, comment);
      continue;
    }
    const [verb, ...args] = tokens;
    if (args[0] === '(') {
      block = verb!;
      if (args.length > 1 && args[args.length - 1] === ')') {
        // `require ()` on one line: an empty block
        block = undefined;
      }
      continue;
    }
    apply(result, verb!, args, comment);
  }
  if (block !== undefined) throw new MalformedInputError(`go.mod: unterminated ${block} ( block`);
  if (result.module === '') throw new MalformedInputError('go.mod: no module directive');
  return result;
}

function apply(mod: GoMod, verb: string, args: string[], comment: string): void {
  switch (verb) {
    case 'module':
      if (args[0] !== undefined) mod.module = args[0];
      break;
    case 'go':
      if (args[0] !== undefined) mod.go = args[0];
      break;
    case 'toolchain':
      if (args[0] !== undefined) mod.toolchain = args[0];
      break;
    case 'require':
      if (args.length >= 2) {
        mod.requires.push({ path: args[0]!, version: args[1]!, indirect: /(^|;)\s*indirect\b/.test(comment) });
      }
      break;
    case 'replace': {
      const arrow = args.indexOf('=>');
      if (arrow < 1 || arrow === args.length - 1) break;
      const left = args.slice(0, arrow);
      const right = args.slice(arrow + 1);
      const rep: GoModReplace = { from: left[0]!, to: right[0]! };
      if (left[1] !== undefined) rep.fromVersion = left[1];
      if (right[1] !== undefined) rep.toVersion = right[1];
      mod.replaces.push(rep);
      break;
    }
    default:
      // exclude, retract, godebug, tool...: not needed by goslim.
      break;
  }
}

/**
 * The Go release a builder image should carry for this module: the toolchain line
 * wins (it names the exact release), else the go line. Returns e.g. "1.22.5" or "1.19".
 */
export function builderGoVersion(mod: GoMod): string | undefined {
  const tc = mod.toolchain !== undefined ? /^go(\d+\.\d+(?:\.\d+)?)/.exec(mod.toolchain) : null;
  if (tc) return tc[1];
  if (mod.go !== undefined && /^\d+\.\d+(\.\d+)?/.test(mod.go)) return /^\d+\.\d+(\.\d+)?/.exec(mod.go)![0];
  return undefined;
}
