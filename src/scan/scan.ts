/**
 * runScan: inspect every reference of a stream, at most `concurrency` at a time, appending one
 * JSON Lines record per reference to the output as each finishes. One bad image is an error
 * record, never the end of the scan. Memory holds only the reports in flight (and the set of
 * references seen, to skip duplicates and what `--resume` found).
 *
 * The output is an append log rather than a file written atomically: each record goes out in one
 * write of a whole line, so a crash leaves at most one line without its newline, which `--resume`
 * removes (with the error records, to try those again) and the readers skip.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createWriteStream } from 'node:fs';
import { inspectImageRef, type InspectOptions } from '../analysis/inspect.js';
import { IoError } from '../errors.js';
import { formatRegistryReference, parseImageReference } from '../image/reference.js';
import { RegistryClient } from '../image/registry/client.js';
import { readLines } from './lines.js';
import { errorRecordLine, imageRecordLine, parseRecord, recordRef } from './records.js';
import { shardOf, type Shard } from './shard.js';

export interface ScanEvent {
  ref: string;
  ok: boolean;
  code?: string;
  /** Finished so far in this run. */
  done: number;
}

export interface ScanOptions {
  /** The JSON Lines output file. */
  output: string;
  /** Keep the image records already in `output` and skip their references (error records are retried). */
  resume?: boolean;
  shard?: Shard;
  /** Images inspected at once (default 1). */
  concurrency?: number;
  /** Passed to every inspect (network, platform, insecure, ...). */
  inspect?: InspectOptions;
  onRecord?: (e: ScanEvent) => void;
  /**
   * Inspect an image once when several registry references name it (found by a HEAD of each
   * manifest), copying its record for the others (default true).
   */
  sameImageOnce?: boolean;
}

interface Written {
  offset: number;
  length: number;
}

export interface ScanResult {
  /** Inspected in this run (images and errors). */
  scanned: number;
  errors: number;
  /** Left to other shards. */
  otherShards: number;
  /** Already in the output (--resume). */
  resumed: number;
  /** Listed twice or more (scanned once). */
  duplicates: number;
  /** Records copied from another reference to the same image (not inspected again). */
  copied: number;
}

/** At most this many registries keep their client (and tokens) for the whole scan. */
const MAX_CLIENTS = 64;

/**
 * For --resume: the references with an image record in `path`; the file is rewritten (atomically)
 * without its error records and a cut-off last line, so those are scanned again.
 */
async function resumeState(path: string): Promise<Set<string>> {
  const done = new Set<string>();
  let drop = false;
  try {
    for await (const line of readLines(path)) {
      if (!line.complete || line.text.trim() === '') {
        drop = true;
        continue;
      }
      const r = parseRecord(line.text, `${path}:${line.number}`);
      if (r.kind === 'error' || done.has(recordRef(r))) drop = true;
      else done.add(recordRef(r));
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'E_NOT_FOUND') return done;
    throw err;
  }
  if (drop) {
    const tmp = `${path}.${process.pid}.tmp`;
    const out = createWriteStream(tmp);
    const kept = new Set<string>();
    try {
      for await (const line of readLines(path)) {
        if (!line.complete || line.text.trim() === '') continue;
        const r = parseRecord(line.text, `${path}:${line.number}`);
        if (r.kind === 'error' || kept.has(recordRef(r))) continue;
        kept.add(recordRef(r));
        if (!out.write(`${line.text}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
      }
      await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
      await rename(tmp, path);
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  }
  return done;
}

export async function runScan(references: AsyncIterable<string>, options: ScanOptions): Promise<ScanResult> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const done = options.resume === true ? await resumeState(options.output) : new Set<string>();
  const result: ScanResult = { scanned: 0, errors: 0, otherShards: 0, resumed: 0, duplicates: 0, copied: 0 };
  let file;
  try {
    // A shard's output goes to a directory of its run (/results/<job>/shard-N.jsonl): made here.
    await mkdir(dirname(options.output), { recursive: true });
    // a+/w+: records of an image already written are read back for its other references.
    file = await open(options.output, options.resume === true ? 'a+' : 'w+');
  } catch (err) {
    throw new IoError(`cannot write ${options.output}: ${(err as Error).message}`, { cause: err });
  }
  const clients = new Map<string, RegistryClient>();
  const { client: _ignored, ...inspectOptions } = options.inspect ?? {};
  const clientFor = (ref: string): RegistryClient | undefined => {
    let registry: string;
    try {
      const parsed = parseImageReference(ref);
      if (parsed.transport !== 'docker') return undefined;
      registry = parsed.registry.registry;
    } catch {
      return undefined; // openImage reports it
    }
    let c = clients.get(registry);
    if (c === undefined && clients.size < MAX_CLIENTS) {
      c = new RegistryClient(registry, inspectOptions);
      clients.set(registry, c);
    }
    return c;
  };
  // Writes go one after another, each a whole line; each resolves to where its line is.
  let position = (await file.stat()).size;
  let writing: Promise<unknown> = Promise.resolve();
  const append = (line: string): Promise<Written> => {
    const bytes = Buffer.from(line);
    const p = writing.then(async () => {
      await file.write(bytes, 0, bytes.length, null);
      const at = { offset: position, length: bytes.length };
      position += bytes.length;
      return at;
    });
    writing = p;
    return p;
  };
  // One image under several references (latest and v5, a tag and a digest) is inspected once: a
  // HEAD of the manifest gives its digest, and the other references get a copy of its record with
  // their own reference. Per distinct image: where its record is (bounded: no report is kept).
  const recorded = new Map<string, Promise<{ at: Written; name: string } | undefined>>();
  const imageKey = async (ref: string): Promise<{ key: string; name: string } | undefined> => {
    if (options.sameImageOnce === false) return undefined;
    let r;
    try {
      const parsed = parseImageReference(ref);
      // A bare name may be a local engine's image: only explicit registry references.
      if (parsed.transport !== 'docker' || parsed.bare === true) return undefined;
      r = parsed.registry;
    } catch {
      return undefined;
    }
    // What a fresh inspect names the image (`image.ref`), or the start of it (an index adds @child).
    const name = formatRegistryReference(r);
    if (r.digest !== undefined) return { key: r.digest, name };
    const client = clientFor(ref);
    if (client === undefined) return undefined;
    try {
      const head = await client.headManifest(r.repository, r.tag ?? 'latest');
      return head !== undefined && head.digest.startsWith('sha256:') ? { key: head.digest, name } : undefined;
    } catch {
      return undefined; // the inspect reports it
    }
  };
  /** The record at `at` for another reference to the same image, or undefined when it cannot be reused. */
  const copyOf = async (at: Written, firstName: string, ref: string, name: string): Promise<string | undefined> => {
    const buf = Buffer.alloc(at.length);
    await file.read(buf, 0, at.length, at.offset);
    const record = JSON.parse(buf.toString('utf8')) as { scan: { ref: string }; image: { ref: string }; startup: { image: { ref: string } } };
    const renamed = (text: string): string | undefined => (text.startsWith(firstName) ? `${name}${text.slice(firstName.length)}` : undefined);
    const imageRef = renamed(record.image.ref);
    const startupRef = renamed(record.startup.image.ref);
    if (imageRef === undefined || startupRef === undefined) return undefined;
    record.scan.ref = ref;
    record.image.ref = imageRef;
    record.startup.image.ref = startupRef;
    return `${JSON.stringify(record)}\n`;
  };
  const seen = new Set<string>();
  const running = new Set<Promise<void>>();
  let failure: unknown;
  const one = async (ref: string): Promise<void> => {
    let line: string | undefined;
    let code: string | undefined;
    const image = await imageKey(ref);
    const first = image !== undefined ? recorded.get(image.key) : undefined;
    if (first !== undefined) {
      const was = await first;
      if (was !== undefined) line = await copyOf(was.at, was.name, ref, image!.name);
      if (line !== undefined) result.copied++;
    }
    let settle: ((v: { at: Written; name: string } | undefined) => void) | undefined;
    if (line === undefined && image !== undefined && first === undefined) recorded.set(image.key, new Promise((r) => (settle = r)));
    try {
      if (line === undefined) {
        try {
          const client = clientFor(ref);
          const report = await inspectImageRef(ref, { ...inspectOptions, ...(client !== undefined ? { client } : {}) });
          line = imageRecordLine(ref, report);
        } catch (err) {
          line = errorRecordLine(ref, err);
          code = (err as { code?: string }).code ?? 'E_INTERNAL';
          result.errors++;
        }
      }
      const at = await append(line);
      if (code === undefined) settle?.({ at, name: image!.name });
    } finally {
      settle?.(undefined); // no-op after the first settle; frees waiters on an error
    }
    result.scanned++;
    options.onRecord?.({ ref, ok: code === undefined, ...(code !== undefined ? { code } : {}), done: result.scanned });
  };
  try {
    for await (const ref of references) {
      if (failure !== undefined) break;
      if (options.shard !== undefined && shardOf(ref, options.shard.count) !== options.shard.index) {
        result.otherShards++;
        continue;
      }
      if (done.has(ref)) {
        result.resumed++;
        continue;
      }
      if (seen.has(ref)) {
        result.duplicates++;
        continue;
      }
      seen.add(ref);
      const p: Promise<void> = one(ref).catch((err: unknown) => {
        failure ??= err; // only a failed write lands here
      });
      running.add(p);
      void p.finally(() => running.delete(p));
      if (running.size >= concurrency) await Promise.race(running);
    }
    await Promise.all(running);
    await writing.catch(() => undefined);
    if (failure !== undefined) throw failure instanceof IoError ? failure : new IoError(`cannot write ${options.output}: ${(failure as Error).message}`, { cause: failure });
  } finally {
    await Promise.allSettled(running);
    await file.close();
  }
  return result;
}
