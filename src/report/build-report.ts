/**
 * Text and Markdown for `goslim build`. Pure: the pipeline result in, text out; every number
 * shown is in `buildSummary` (the JSON), layers counted the same way.
 */
import { buildSummary, type BuildPipelineResult } from '../build/pipeline.js';
import { isIndexMediaType, platformString } from '../image/model.js';
import { formatBytes } from '../util/units.js';
import { cell, code, details, table } from './md.js';
import { PLAIN, type Style } from './style.js';

/** The JSON body (`buildSummary`), with `verify` left out under --no-verify. */
export function buildDocumentBody(r: BuildPipelineResult, verify: boolean): Record<string, unknown> {
  return buildSummary(r, { verify });
}

function failedLines(r: BuildPipelineResult): string[] {
  return r.failedChecks.map((c) => `  ${c.platform} ${c.id}: ${c.message}${c.fix ? ` (fix: ${c.fix})` : ''}`);
}

export function renderBuildText(r: BuildPipelineResult, style: Style = PLAIN): string {
  if (!r.written) return `${style.bad('not written: the built image would not start')}\n${failedLines(r).join('\n')}\n`;
  const { build: result, sbom, comparison, outputs } = r;
  const lines: string[] = [];
  lines.push(style.bold(`built ${result.package.importPath} in ${(r.buildMs / 1000).toFixed(1)} s`));
  for (const [i, b] of result.builds.entries()) {
    const size = r.sizes[i]!;
    const layers = b.image.manifest().layers.length;
    const reused = b.layers.filter((l) => l.reused).length;
    lines.push(
      `  ${platformString(b.platform)}  ${b.image.digest()}  ${formatBytes(size.compressed)} compressed, ${formatBytes(size.uncompressed)} unpacked, ${layers} layer${layers === 1 ? '' : 's'} (${b.base.layers} from ${b.base.reference}; ${reused}/${b.layers.length} added layers reused)`,
    );
  }
  if (isIndexMediaType(r.root.mediaType())) lines.push(`  index ${r.root.digest()}`);
  for (const v of r.verify) {
    const warned = v.report.checks.filter((c) => c.status === 'warn');
    const verdict = v.report.verdict === 'pass' ? style.good(v.report.verdict) : style.warn(v.report.verdict);
    lines.push(`  verify ${v.platform}: ${verdict}${warned.length > 0 ? ` (${warned.map((c) => `${c.id}: ${c.message}`).join('; ')})` : ''}`);
  }
  for (const out of outputs) lines.push(`  wrote ${out.destination} (${formatBytes(out.bytesWritten)} new)`);
  if (sbom) {
    for (const f of sbom.files) lines.push(`  sbom ${f}`);
    if (sbom.attached) {
      lines.push(`  sbom pushed ${sbom.attached.digest}${sbom.attached.discoverableBy === 'tag' ? ` (no referrers API: tagged ${sbom.attached.tag})` : ' (referrer)'}`);
    }
  }
  if (comparison) {
    lines.push(
      `  vs ${comparison.before.reference}: ${formatBytes(comparison.before.compressed)} -> ${formatBytes(comparison.after.compressed)} compressed (${comparison.ratio.compressed}x smaller), ${formatBytes(comparison.before.uncompressed)} -> ${formatBytes(comparison.after.uncompressed)} unpacked`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderBuildMarkdown(r: BuildPipelineResult): string {
  const out: string[] = [];
  if (!r.written) {
    out.push(`## goslim build: 🛑 not written`, '', 'The built image would not start; nothing was written or pushed.', '');
    out.push(...table(['Platform', 'Check', 'Finding', 'Fix'], r.failedChecks.map((c) => [code(c.platform), code(c.id), cell(c.message), cell(c.fix ?? '')])), '');
    return `${out.join('\n').trimEnd()}\n`;
  }
  const { build: result, comparison } = r;
  out.push(`## goslim build ${code(result.package.importPath)}`, '');
  out.push(`Built in ${(r.buildMs / 1000).toFixed(1)} s.${isIndexMediaType(r.root.mediaType()) ? ` Index ${code(r.root.digest())}.` : ''}`, '');
  out.push(
    ...table(
      ['Platform', 'Digest', 'Compressed', 'Unpacked', 'Layers', 'Base', 'Verify'],
      result.builds.map((b, i) => {
        const v = r.verify.find((x) => x.platform === platformString(b.platform));
        return [
          code(platformString(b.platform)),
          code(b.image.digest()),
          formatBytes(r.sizes[i]!.compressed),
          formatBytes(r.sizes[i]!.uncompressed),
          `${b.image.manifest().layers.length} (${b.base.layers} from base, ${b.layers.filter((l) => l.reused).length}/${b.layers.length} added reused)`,
          code(b.base.reference),
          v ? (v.report.verdict === 'pass' ? '✅ pass' : `⚠️ ${v.report.verdict}`) : '(not verified)',
        ];
      }),
      ['l', 'l', 'r', 'r', 'l'],
    ),
    '',
  );
  if (comparison) {
    out.push(
      `**vs ${code(comparison.before.reference)}:** ${formatBytes(comparison.before.compressed)} → ${formatBytes(comparison.after.compressed)} compressed (${comparison.ratio.compressed}x smaller), ${formatBytes(comparison.before.uncompressed)} → ${formatBytes(comparison.after.uncompressed)} unpacked`,
      '',
    );
  }
  const files = [...r.outputs.map((o) => `- ${code(o.destination)} (${formatBytes(o.bytesWritten)} new)`), ...(r.sbom?.files ?? []).map((f) => `- SBOM ${code(f)}`)];
  if (r.sbom?.attached) files.push(`- SBOM pushed ${code(r.sbom.attached.digest)}`);
  if (files.length > 0) out.push(...details(`Outputs (${files.length})`, files));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
