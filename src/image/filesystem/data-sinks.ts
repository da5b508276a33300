/**
 * Synchronous readers of one tar entry's data, for LayerVisitor.sink: each chunk is handed to
 * write() only for the duration of the call (it may live in a buffer the walk reuses), so a
 * sink copies what it keeps. No stream and no promise per chunk: the walk's hot path.
 */
import type { TarDataSink } from './tar-parser.js';

/**
 * Keeps the whole entry (copied into one buffer of the header's size) and hands it to `done`
 * at the end; gives up (done(undefined)) past `limit` bytes.
 */
export function collectSink(limit: number, size: number, done: (bytes: Buffer | undefined) => void): TarDataSink {
  let buf: Buffer | undefined = size <= limit ? Buffer.allocUnsafe(size) : undefined;
  let filled = 0;
  let over = size > limit;
  return {
    write(chunk) {
      if (over) return;
      if (filled + chunk.length > limit) {
        over = true;
        buf = undefined;
        return;
      }
      if (buf === undefined || filled + chunk.length > buf.length) {
        // A header that under-declared the size: grow (rare).
        const bigger = Buffer.allocUnsafe(Math.min(limit, Math.max(2 * (buf?.length ?? 0), filled + chunk.length)));
        if (buf !== undefined) buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      chunk.copy(buf, filled);
      filled += chunk.length;
    },
    end() {
      done(over || buf === undefined ? undefined : buf.subarray(0, filled));
    },
  };
}

/** The same chunks to several sinks, in order; ends them all. */
export function fanOut(sinks: readonly TarDataSink[]): TarDataSink {
  return {
    write(chunk) {
      let waits: Array<Promise<void>> | undefined;
      for (const s of sinks) {
        const r = s.write(chunk);
        if (r !== undefined) (waits ??= []).push(r);
      }
      return waits === undefined ? undefined : Promise.all(waits).then(() => undefined);
    },
    end() {
      const waits = sinks.map((s) => s.end()).filter((r): r is Promise<void> => r !== undefined);
      return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
    },
  };
}
