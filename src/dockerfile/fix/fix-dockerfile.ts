/**
 * `goslim fix`: rewrite a Go service's Dockerfile to the four-lever recipe
 * (multi-stage, distroless static base, CGO_ENABLED=0, -trimpath -ldflags="-s -w")
 * without changing what the service does. Pure: text (and optional facts about
 * the build context) in, text and an account of every change out.
 *
 *  - Already multi-stage: minimal range edits (fix-multi-stage.ts).
 *  - Single stage on a Go toolchain image: restructured into builder + final
 *    (fix-single-stage.ts).
 * Fixing a fixed file changes nothing (tested as a property).
 */
import { parseDockerfile } from '../parse/parse-dockerfile.js';
import { classifyImage } from '../base-image.js';
import { goBuildsOf } from '../go-build.js';
import { fixMultiStage } from './fix-multi-stage.js';
import { fixSingleStage } from './fix-single-stage.js';
import type { FixOptions, FixResult } from './types.js';

export function fixDockerfile(text: string, options: FixOptions = {}): FixResult {
  const crlf = text.includes('\r\n');
  const src = crlf ? text.replace(/\r\n/g, '\n') : text;
  const model = parseDockerfile(src);
  const result: FixResult = { mode: 'unchanged', original: text, fixed: text, changed: false, edits: [], notes: [], todos: [] };
  if (model.stages.length === 0) {
    result.notes.push({ severity: 'warning', line: 0, message: 'no FROM instruction: nothing to fix' });
    result.skipped = 'no-from';
    return result;
  }
  // Windows images are recognised by their base; `# escape=\`` alone is also used on Linux.
  // Each stage's base, classified once (base-image.ts, lint's facts).
  const kinds = model.stages.map((s) => classifyImage(s.base.expanded).kind);
  if (kinds.includes('windows')) {
    result.todos.push({
      severity: 'warning',
      line: model.stages[0]!.from.line,
      message: 'Windows images: goslim\'s recipe (distroless, CGO_ENABLED=0 on Linux) does not apply; left unchanged',
    });
    result.skipped = 'windows';
    return result;
  }
  const open = model.instructions.find((i) => i.heredocs.some((h) => h.delimiterRange === null));
  if (open !== undefined) {
    result.todos.push({ severity: 'warning', line: open.line, message: `the heredoc on line ${open.line} is never closed: the file does not build; left unchanged` });
    result.skipped = 'unclosed-heredoc';
    return result;
  }
  // The recipe is for Go services: a file that builds no Go (node, python, a prebuilt binary copied in)
  // is left alone. The same analysis lint reads: go build/install/mod download, or a Go toolchain base.
  // (The base check first: it is cheap, and most Go Dockerfiles have a Go toolchain stage.)
  const goBase = kinds.includes('go-toolchain');
  const go = goBase ? undefined : goBuildsOf(model);
  if (go !== undefined && go.builds.length === 0 && go.modDownloads.length === 0) {
    result.notes.push({ severity: 'info', line: 0, message: 'no Go build in this Dockerfile (no go build, go install or go mod download, no Go toolchain base): goslim fix applies only to Go builds; left unchanged' });
    result.skipped = 'no-go-build';
    return result;
  }
  const single = model.stages.length === 1 && kinds[0] === 'go-toolchain';
  const out = single ? fixSingleStage(model, options) : fixMultiStage(model, options);
  let fixed = out.text;
  if (crlf) fixed = fixed.replace(/\n/g, '\r\n');
  return {
    mode: fixed === text ? 'unchanged' : single ? 'single-stage' : 'multi-stage',
    original: text,
    fixed,
    changed: fixed !== text,
    edits: out.edits,
    notes: out.notes,
    todos: out.todos,
  };
}
