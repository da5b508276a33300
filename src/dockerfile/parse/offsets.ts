/**
 * Offsets into the model's text for its LSP positions: what the fixer needs to turn any range of
 * the model into a text edit. Computed once per model, on first use (lint never pays for it), and
 * kept on the model under a non-enumerable symbol, like go-build.ts's working-directory table.
 */
import { InternalError } from '../../errors.js';
import type { DockerfileModel, SourcePosition } from './model.js';

const LINE_STARTS = Symbol('goslim.lineStarts');

/** Offset in `model.text` of the start of each 0-based line. */
export function lineStarts(model: DockerfileModel): readonly number[] {
  const holder = model as DockerfileModel & { [LINE_STARTS]?: number[] };
  let starts = holder[LINE_STARTS];
  if (starts) return starts;
  starts = [0];
  const text = model.text;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  Object.defineProperty(holder, LINE_STARTS, { value: starts, enumerable: false });
  return starts;
}

/** Offset in `model.text` of a position (UTF-16 code units, as the positions are). */
export function offsetAt(model: DockerfileModel, pos: SourcePosition): number {
  const base = lineStarts(model)[pos.line];
  if (base === undefined) throw new InternalError(`position line ${pos.line} outside the text`);
  return base + pos.character;
}
