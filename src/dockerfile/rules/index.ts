/** Rule registry: an explicit list (eslint lib/rules/index.js), not a directory scan. */
import type { Rule, RuleDoc } from './types.js';
import { rule as g001 } from './g001-single-stage.js';
import { rule as g002 } from './g002-build-stage-leak.js';
import { rule as g003 } from './g003-cgo-without-libc.js';
import { rule as g004 } from './g004-cgo-in-non-build-stage.js';
import { rule as g005 } from './g005-shell-form-entrypoint.js';
import { rule as g006 } from './g006-healthcheck-tools.js';
import { rule as g007 } from './g007-run-without-shell.js';
import { rule as g008 } from './g008-missing-trimpath.js';
import { rule as g009 } from './g009-missing-strip.js';
import { rule as g010 } from './g010-copy-before-mod-download.js';
import { rule as g011 } from './g011-missing-cache-mounts.js';
import { rule as g012 } from './g012-undeclared-platform-arg.js';
import { rule as g013 } from './g013-build-platform.js';
import { rule as g014 } from './g014-hardcoded-platform.js';
import { rule as g016 } from './g016-root-user.js';
import { rule as g017 } from './g017-privileged-port.js';
import { rule as g018 } from './g018-redundant-base-files.js';
import { rule as g019 } from './g019-unpinned-base.js';
import { rule as g020 } from './g020-dockerignore.js';
import { rule as g021 } from './g021-static-noise.js';
import { rule as g022 } from './g022-guessed-output-name.js';
import { rule as g023 } from './g023-opaque-build.js';

export const rules: readonly Rule[] = [
  g001,
  g002,
  g003,
  g004,
  g005,
  g006,
  g007,
  g008,
  g009,
  g010,
  g011,
  g012,
  g013,
  g014,
  g016,
  g017,
  g018,
  g019,
  g020,
  g021,
  g022,
  g023,
];

const byKey = new Map<string, Rule>();
for (const r of rules) {
  byKey.set(r.meta.id.toUpperCase(), r);
  byKey.set(r.meta.slug.toLowerCase(), r);
}

/** Find a rule by id (`G009`, case-insensitive) or slug (`missing-strip`). */
export function findRule(key: string): Rule | undefined {
  return byKey.get(key.toUpperCase()) ?? byKey.get(key.toLowerCase());
}

/** Every accepted rule key (ids and slugs), for config validation. */
export function ruleKeys(): string[] {
  return rules.flatMap((r) => [r.meta.id, r.meta.slug]);
}

/** Path of the rule page inside the package. */
export function ruleDocPath(rule: Rule): string {
  return `docs/rules/${rule.meta.id}-${rule.meta.slug}.md`;
}

// No help URL: the package is not published, so a registry-CDN link would be dead (issue 14).
// Reports carry the rule's full text (SARIF help.markdown) and its path in the package (`doc`).

/** The rule's doc as markdown (the body of `goslim explain <id>` and of SARIF help). */
export function ruleMarkdown(rule: Rule): string {
  const d: RuleDoc = rule.meta.doc;
  const lines = [
    `# ${rule.meta.id} ${rule.meta.slug}`,
    '',
    `Severity: ${rule.meta.severity}${rule.meta.lever ? ` · lever: ${rule.meta.lever}` : ''}`,
    '',
    d.summary,
    '',
    '## Why',
    '',
    d.why,
    '',
    '## Fix',
    '',
    d.fix,
    '',
    '## What you lose',
    '',
    d.lose,
    '',
    '## What you keep',
    '',
    d.keep,
    '',
    '## Check it yourself',
    '',
    '```sh',
    d.check,
    '```',
    '',
    '## Example',
    '',
    'Before:',
    '',
    '```dockerfile',
    d.example.bad,
    '```',
    '',
    'After:',
    '',
    '```dockerfile',
    d.example.good,
    '```',
    '',
    '## References',
    '',
    ...d.references.map((r) => `- ${r}`),
    '',
    `Ignore it for one instruction with \`# goslim ignore=${rule.meta.id}\` on the line before, or for the file with ` +
      `\`# goslim global ignore=${rule.meta.id}\`.`,
    '',
  ];
  return lines.join('\n');
}

/** A topic for `goslim explain`: one per rule, keyed by id and slug. */
export interface RuleTopic {
  id: string;
  aliases: string[];
  title: string;
  summary: string;
  body: string;
}

export function ruleTopics(): RuleTopic[] {
  return rules.map((r) => ({
    id: r.meta.id,
    aliases: [r.meta.slug],
    title: `${r.meta.id} ${r.meta.slug}`,
    summary: r.meta.doc.summary,
    body: ruleMarkdown(r),
  }));
}

/** docs/rules/README.md: the rule index (kept in sync by the meta-test). */
export function rulesIndexMarkdown(): string {
  const lines = [
    '# goslim lint rules',
    '',
    'Each rule has a stable id (use it in `# goslim ignore=...`, `.goslim.yaml` and `goslim explain <id>`) and a slug.',
    'Generated from the rule modules in `src/dockerfile/rules/`.',
    '',
    '| Rule | Severity | Lever | Detects |',
    '|---|---|---|---|',
    ...rules.map(
      (r) =>
        `| [${r.meta.id} ${r.meta.slug}](${r.meta.id}-${r.meta.slug}.md) | ${r.meta.severity} | ${r.meta.lever ?? ''} | ${r.meta.doc.summary.replace(/\|/g, '\\|')} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
