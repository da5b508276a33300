/**
 * SARIF 2.1.0 logs (OASIS SARIF v2.1.0: sarifLog §3.13,
 * run §3.14, toolComponent.rules §3.19.23, reportingDescriptor §3.49,
 * result §3.27, region §3.30 with 1-based lines and columns).
 */
import { rules as allRules, ruleMarkdown } from '../dockerfile/rules/index.js';
import type { LintFileReport } from '../dockerfile/format/types.js';
import type { Severity } from '../dockerfile/rules/types.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  toolVersion: string;
}

/** Artifact URI for a path as given on the command line: relative, forward slashes, percent-encoded. */
export function toArtifactUri(path: string): string {
  if (path === '-') return 'stdin';
  return path
    .replace(/\\/g, '/')
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

/** A reportingDescriptor (§3.49): one rule of the catalogue a log's results point into by index. */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  defaultConfiguration: { level: 'error' | 'warning' | 'note' };
  properties: { tags: string[] };
}

/**
 * The one SARIF 2.1.0 log skeleton every goslim writer fills (lint, image and binary findings,
 * compare): one run, goslim as the driver with its rule catalogue, UTF-16 columns as editors count them.
 */
export function sarifLog(parts: {
  toolVersion: string;
  rules: readonly SarifRule[];
  artifacts: readonly Record<string, unknown>[];
  results: readonly Record<string, unknown>[];
  properties?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'goslim', semanticVersion: parts.toolVersion, version: parts.toolVersion, rules: parts.rules } },
        columnKind: 'utf16CodeUnits',
        artifacts: parts.artifacts,
        ...(parts.properties !== undefined ? { properties: parts.properties } : {}),
        results: parts.results,
      },
    ],
  };
}

/** SARIF 2.1.0 for lint findings: every rule in the catalogue, one artifact per Dockerfile. */
export function toSarif(reports: readonly LintFileReport[], options: SarifOptions): Record<string, unknown> {
  const ruleIndex = new Map(allRules.map((r, i) => [r.meta.id, i]));
  return sarifLog({
    toolVersion: options.toolVersion,
    rules: allRules.map((r) => ({
      id: r.meta.id,
      name: r.meta.slug,
      shortDescription: { text: r.meta.doc.summary },
      fullDescription: { text: r.meta.doc.why },
      help: { text: `${r.meta.doc.summary}\n\n${r.meta.doc.why}\n\nFix: ${r.meta.doc.fix}\n\nMore: goslim explain ${r.meta.id}`, markdown: ruleMarkdown(r) },
      defaultConfiguration: { level: LEVEL[r.meta.severity] },
      properties: { tags: ['dockerfile', 'go', ...(r.meta.lever ? [r.meta.lever] : [])] },
    })),
    artifacts: reports.map((r) => ({ location: { uri: toArtifactUri(r.path) }, sourceLanguage: 'dockerfile' })),
    results: reports.flatMap((r, artifactIndex) =>
      r.findings.map((f) => ({
        ruleId: f.rule,
        ...(ruleIndex.has(f.rule) ? { ruleIndex: ruleIndex.get(f.rule) } : {}),
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: toArtifactUri(r.path), index: artifactIndex },
              region: {
                startLine: f.range.start.line + 1,
                startColumn: f.range.start.character + 1,
                endLine: f.range.end.line + 1,
                endColumn: Math.max(f.range.end.character + 1, 1),
              },
            },
          },
        ],
        partialFingerprints: { 'goslimFinding/v1': `${f.rule}:${toArtifactUri(r.path)}:${f.line}` },
        ...(f.lever ? { properties: { lever: f.lever } } : {}),
      })),
    ),
  });
}

export function formatSarif(reports: readonly LintFileReport[], options: SarifOptions): string {
  return `${JSON.stringify(toSarif(reports, options), null, 2)}\n`;
}
