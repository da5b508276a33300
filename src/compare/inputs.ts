/**
 * The I/O edge of `goslim compare`: what each argument is (an image, a Go executable or a saved
 * report, told by content, not by name), reading it, and the comparison of the two. The
 * comparison itself is pure (images.ts, binaries.ts).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { InspectOptions } from '../analysis/inspect.js';
import { UsageError } from '../errors.js';
import { openRegular, readRegularFile } from '../util/regular-file.js';
import { compareBinaries, type BinaryInput } from './binaries.js';
import { compareImages, type CompareImagesOptions, type InspectInput } from './images.js';
import { parseSavedReport } from './saved.js';
import type { BinaryComparison, CompareReport, ImageComparison, Side, SideSource } from './types.js';

const TRANSPORT = /^(docker-archive|oci|oci-archive|docker):/;

/** ELF, PE (MZ), Mach-O (both byte orders, 32/64-bit, universal). */
function isExecutableMagic(b: Buffer): boolean {
  if (b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return true;
  if (b.length >= 2 && b[0] === 0x4d && b[1] === 0x5a) return true;
  if (b.length >= 4) {
    const m = b.readUInt32BE(0);
    return [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(m);
  }
  return false;
}

/** A JSON document starts with `{` after optional whitespace (and a UTF-8 BOM). */
function isJsonObjectStart(b: Buffer): boolean {
  let i = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i < b.length && b[i] === 0x7b;
}

export type InputKind = 'image' | 'binary' | 'report';

/**
 * What `text` names: a transport prefix or a directory or anything that is not a file is an
 * image; a regular file is an executable when it starts with an executable's magic, a saved
 * report when it starts with `{`, else an image archive.
 */
export async function classifyInput(text: string, cwd: string): Promise<InputKind> {
  if (TRANSPORT.test(text)) return 'image';
  const path = resolve(cwd, text);
  const st = await stat(path).catch(() => undefined);
  if (!st || !st.isFile()) return 'image';
  const { fh } = await openRegular(path, { what: 'input', display: text });
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    if (isExecutableMagic(b)) return 'binary';
    if (isJsonObjectStart(b)) return 'report';
    return 'image';
  } finally {
    await fh.close();
  }
}

type Loaded = { subject: 'image'; source: SideSource; report: InspectInput } | { subject: 'binary'; source: SideSource; report: BinaryInput };

export interface CompareInputsOptions extends CompareImagesOptions {
  cwd: string;
  /** Options for reading images (platform, registry environment, progress). */
  inspect?: (side: 'a' | 'b') => InspectOptions;
}

async function load(text: string, side: 'a' | 'b', options: CompareInputsOptions): Promise<Loaded> {
  const kind = await classifyInput(text, options.cwd);
  // The image reader and the binary analyzer are loaded when a side needs them (saved reports do not).
  if (kind === 'image') {
    const { inspectImageRef } = await import('../analysis/inspect.js');
    return { subject: 'image', source: 'image', report: await inspectImageRef(text, options.inspect?.(side) ?? {}) };
  }
  const path = resolve(options.cwd, text);
  if (kind === 'binary') {
    const bytes = await readRegularFile(path, { limitKey: 'binary.fileSize', what: 'executable', display: text });
    const { analyzeBinary } = await import('../binary/index.js');
    return { subject: 'binary', source: 'binary', report: analyzeBinary(bytes, { path: text }) };
  }
  const bytes = await readRegularFile(path, { limitKey: 'report.fileSize', what: 'saved report', display: text });
  const saved = parseSavedReport(bytes.toString('utf8'), text);
  return saved.kind === 'inspect'
    ? { subject: 'image', source: 'inspect-report', report: saved.report }
    : { subject: 'binary', source: 'binary-report', report: saved.report };
}

/**
 * Read both sides (one after the other: two image reads at once would only compete for the same
 * disk and cores) and compare them. E_USAGE when one side is an image and the other a binary.
 */
export async function compareInputs(a: string, b: string, options: CompareInputsOptions): Promise<CompareReport> {
  return (await compareInputsWithSides(a, b, options)).report;
}

/** What was compared: the comparison and what each side was read as (SARIF reports B's own findings). */
export type ComparedSides =
  | { subject: 'image'; report: ImageComparison; a: InspectInput; b: InspectInput }
  | { subject: 'binary'; report: BinaryComparison; a: BinaryInput; b: BinaryInput };

/** compareInputs, keeping both sides' reports. */
export async function compareInputsWithSides(a: string, b: string, options: CompareInputsOptions): Promise<ComparedSides> {
  // Classify both, and read saved reports (cheap), before reading an image or a binary: a usage
  // error (an image against a binary report) does not wait for an image read.
  const [ka, kb] = await Promise.all([classifyInput(a, options.cwd), classifyInput(b, options.cwd)]);
  const early = {
    a: ka === 'report' ? await load(a, 'a', options) : undefined,
    b: kb === 'report' ? await load(b, 'b', options) : undefined,
  };
  const subject = (k: InputKind, l: Loaded | undefined): 'image' | 'binary' => (l ? l.subject : k === 'binary' ? 'binary' : 'image');
  const what = (k: InputKind, l: Loaded | undefined): string => (l ? describe(l) : k === 'binary' ? 'a binary' : 'an image');
  if (subject(ka, early.a) !== subject(kb, early.b)) {
    throw new UsageError(
      `cannot compare ${what(ka, early.a)} (${a}) with ${what(kb, early.b)} (${b}): give two images or inspect reports, or two binaries or binary reports`,
      { details: { a: what(ka, early.a), b: what(kb, early.b) } },
    );
  }
  const la = early.a ?? (await load(a, 'a', options));
  const lb = early.b ?? (await load(b, 'b', options));
  const sideA: Side = { input: a, source: la.source };
  const sideB: Side = { input: b, source: lb.source };
  if (la.subject === 'image' && lb.subject === 'image') {
    return { subject: 'image', report: compareImages(la.report, lb.report, { a: sideA, b: sideB }, options), a: la.report, b: lb.report };
  }
  if (la.subject === 'binary' && lb.subject === 'binary') {
    return { subject: 'binary', report: compareBinaries(la.report, lb.report, { a: sideA, b: sideB }), a: la.report, b: lb.report };
  }
  throw new UsageError(`cannot compare ${describe(la)} (${a}) with ${describe(lb)} (${b})`);
}

function describe(l: Loaded): string {
  return l.source === 'image' ? 'an image' : l.source === 'binary' ? 'a binary' : l.source === 'inspect-report' ? 'an inspect report' : 'a binary report';
}
