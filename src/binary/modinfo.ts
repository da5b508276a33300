/**
 * Parser for the module-info text embedded by cmd/go (golang/go
 * src/runtime/debug/mod.go, ParseBuildInfo): one record per line, TAB-separated.
 *   path  <main package>
 *   mod   <path> <version> [<sum>]
 *   dep   <path> <version> [<sum>]
 *   =>    <path> <version> [<sum>]   (replaces the preceding mod/dep)
 *   build <key>=<value>              (key/value Go-quoted when they contain specials)
 * Blank and unknown lines are ignored, as the writer emits a blank line after `=>`.
 */
import { MalformedInputError } from '../errors.js';

export interface ModuleRef {
  path: string;
  version: string;
  sum: string;
}

export interface Module extends ModuleRef {
  replace: ModuleRef | null;
}

export interface ModInfo {
  path: string;
  main: Module | null;
  deps: Module[];
  settings: Record<string, string>;
}

/** The two 16-byte sentinels cmd/go wraps modinfo in (src/cmd/go/internal/modload/build.go). */
export const INFO_START = Uint8Array.from([0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6]);
export const INFO_END = Uint8Array.from([0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2]);

/**
 * Strip the sentinels as debug/buildinfo does: only when the string is at least 33
 * bytes and the byte 17 from the end is a newline; otherwise modinfo counts as empty.
 */
export function unframeModinfo(raw: Uint8Array): Uint8Array {
  if (raw.length >= 33 && raw[raw.length - 17] === 0x0a) return raw.subarray(16, raw.length - 16);
  return new Uint8Array(0);
}

function moduleRef(fields: string[], line: number): ModuleRef {
  const [path, version = '', sum = ''] = fields;
  if (!path) throw new MalformedInputError(`modinfo line ${line}: module line without a path`);
  return { path, version, sum };
}

export function parseModInfo(text: string): ModInfo {
  const info: ModInfo = { path: '', main: null, deps: [], settings: {} };
  let last: Module | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const head = tab < 0 ? line : line.slice(0, tab);
    const rest = tab < 0 ? '' : line.slice(tab + 1);
    switch (head) {
      case 'path':
        info.path = rest;
        break;
      case 'mod':
        info.main = { ...moduleRef(rest.split('\t'), i + 1), replace: null };
        last = info.main;
        break;
      case 'dep': {
        const m: Module = { ...moduleRef(rest.split('\t'), i + 1), replace: null };
        info.deps.push(m);
        last = m;
        break;
      }
      case '=>':
        if (!last) throw new MalformedInputError(`modinfo line ${i + 1}: replacement without a module`);
        last.replace = moduleRef(rest.split('\t'), i + 1);
        last = null;
        break;
      case 'build': {
        const [key, value] = parseSetting(rest, i + 1);
        info.settings[key] = value;
        break;
      }
      default:
        // Unknown record types are ignored for forward compatibility, like ParseBuildInfo's callers do.
        break;
    }
  }
  return info;
}

/** `key=value` with Go quoting (strconv.Quote or backquotes) on either side. */
export function parseSetting(text: string, line = 0): [string, string] {
  let key: string;
  let pos: number;
  if (text.startsWith('"') || text.startsWith('`')) {
    const end = quotedEnd(text, 0);
    key = unquoteGo(text.slice(0, end));
    pos = end;
  } else {
    pos = text.indexOf('=');
    if (pos < 0) throw new MalformedInputError(`modinfo line ${line}: build setting without "="`);
    key = text.slice(0, pos);
  }
  if (text[pos] !== '=') throw new MalformedInputError(`modinfo line ${line}: build setting key not followed by "="`);
  const raw = text.slice(pos + 1);
  const value = raw.startsWith('"') || raw.startsWith('`') ? unquoteGo(raw) : raw;
  if (key === '') throw new MalformedInputError(`modinfo line ${line}: empty build setting key`);
  return [key, value];
}

/** Index just past the closing quote of the Go-quoted string starting at `start`. */
function quotedEnd(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === q) return i + 1;
  }
  throw new MalformedInputError('modinfo: unterminated quoted string');
}

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** strconv.Unquote for double-quoted and backquoted strings (the forms BuildInfo.String writes). */
export function unquoteGo(s: string): string {
  if (s.length >= 2 && s[0] === '`' && s[s.length - 1] === '`') return s.slice(1, -1);
  if (s.length < 2 || s[0] !== '"' || s[s.length - 1] !== '"') throw new MalformedInputError(`modinfo: bad quoted string ${JSON.stringify(s)}`);
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      bytes.push(...enc.encode(String.fromCodePoint(cp)));
      if (cp > 0xffff) i++;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new MalformedInputError('modinfo: dangling backslash');
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      bytes.push(simple.charCodeAt(0));
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new MalformedInputError('modinfo: bad escape');
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else bytes.push(...enc.encode(String.fromCodePoint(v)));
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new MalformedInputError('modinfo: bad octal escape');
      bytes.push(parseInt(oct, 8) & 0xff);
      i += 2;
    } else {
      throw new MalformedInputError(`modinfo: unknown escape \\${e}`);
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}
