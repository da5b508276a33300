/**
 * SARIF 2.1.0 for image findings (`inspect`, `verify`, `binary` and `compare --format sarif`): every
 * crossed budget, every failed or warning start check and every lever is a result. Crossed budgets
 * come first (they fail the CI job), then failed start checks (an image that will not start is the
 * most urgent finding whatever its bytes), then warnings, then levers biggest first.
 *
 * With the Dockerfile that built the image, each result is located on the line that causes it
 * (src/dockerfile's parse and go-build analysis): the final stage's FROM for static-base and
 * multi-stage, the `go build` line for cgo-off, strip-symbols and trimpath, USER for the user
 * check, ENTRYPOINT/CMD for the command checks, and so on. Without it, on the image: an artifact
 * named by the image reference plus a logical location (the image digest).
 *
 * Rule ids are explain topic ids (`static-base`, `check:interpreter`); each rule carries its full
 * help (`help.text`, `help.markdown`) from the vocabulary; no helpUri (no published pages yet).
 */
import { CHECK_IDS, type CheckId } from '../vocabulary/checks.js';
import { isLeverId, LEVER_IDS, type LeverId } from '../vocabulary/levers.js';
import { BUDGET_IDS, type BudgetCrossing } from '../vocabulary/budgets.js';
import { parseDockerfile } from '../dockerfile/parse/parse-dockerfile.js';
import { analyzeGoBuilds } from '../dockerfile/go-build.js';
import type { DockerfileModel, Instruction } from '../dockerfile/parse/model.js';
import type { Lever } from '../analysis/types.js';
import type { VerifyCheck } from '../verify/types.js';
import { formatBytes } from '../util/units.js';
import { sarifLog, toArtifactUri } from './sarif.js';
import { topicFor, topicHelpMarkdown, topicHelpText } from './topic-help.js';

export interface ImageSarifInput {
  /** What was analysed: an image (ref, digest, platform) or, for `binary`, an executable (its path). */
  image: { ref: string; digest?: string; platform?: string };
  /** `container image` (default) or `executable`. */
  subject?: string;
  /** Start checks; failed and warning ones become results. */
  checks: readonly VerifyCheck[];
  /** Levers (inspect); verify has none. */
  levers: readonly Lever[];
  /** Crossed CI budgets (inspect's, compare's): each one a result, before everything else. */
  budgets?: readonly BudgetCrossing[];
  /** Levers that apply here and did not to the image compared against (compare): marked on their results. */
  newLevers?: readonly LeverId[];
}

export interface ImageSarifOptions {
  toolVersion: string;
  /** The Dockerfile that built the image: its path as given (the artifact URI) and its text. */
  dockerfile?: { path: string; text: string };
}

type Target = 'final-from' | 'go-build' | readonly string[];

/** Where a finding's cause is written in a Dockerfile: the final stage's FROM, the go build line, or the last of these keywords in the final stage. */
const LEVER_TARGET: Readonly<Record<LeverId, Target>> = {
  'multi-stage': 'final-from',
  'static-base': 'final-from',
  'cgo-off': 'go-build',
  'strip-symbols': 'go-build',
  trimpath: 'go-build',
  'vcs-metadata': ['COPY', 'ADD'],
  'apt-lists': ['RUN'],
  docs: ['RUN'],
};
const CHECK_TARGET: Readonly<Record<CheckId, Target>> = {
  command: ['ENTRYPOINT', 'CMD'],
  shell: ['ENTRYPOINT', 'CMD'],
  program: ['ENTRYPOINT', 'CMD'],
  executable: ['ENTRYPOINT', 'CMD'],
  architecture: 'go-build',
  interpreter: 'go-build',
  libraries: 'go-build',
  'symbol-versions': 'go-build',
  'libc-family': 'go-build',
  user: ['USER'],
  workdir: ['WORKDIR'],
  healthcheck: ['HEALTHCHECK'],
  ports: ['EXPOSE'],
  'ca-certificates': 'final-from',
  tzdata: 'final-from',
  run: ['ENTRYPOINT', 'CMD'],
};

const RUN_PACKAGES = /\b(apt-get|apt|apk|dnf|yum|microdnf)\b/;

/** The instruction a finding points at in this Dockerfile (falls back to the final stage's FROM). */
export function locateInDockerfile(model: DockerfileModel, target: Target): Instruction | null {
  const final = model.stages.at(-1);
  if (!final) return null;
  if (target === 'go-build') {
    const builds = analyzeGoBuilds(model).builds;
    const b = builds.at(-1);
    return b ? b.instruction : final.from;
  }
  if (target === 'final-from') return final.from;
  const hits = final.instructions.filter((i) => target.includes(i.keyword) && (i.keyword !== 'RUN' || RUN_PACKAGES.test(i.body)));
  return hits.at(-1) ?? final.from;
}

function levelOfCheck(c: VerifyCheck): 'error' | 'warning' {
  return c.status === 'fail' ? 'error' : 'warning';
}

/** Where a crossed budget points: the lever's line for a lever budget, else the final stage's FROM (the image as a whole). */
function budgetTarget(c: BudgetCrossing): Target {
  return c.lever !== undefined && isLeverId(c.lever) ? LEVER_TARGET[c.lever] : 'final-from';
}

export function toImageSarif(input: ImageSarifInput, options: ImageSarifOptions): Record<string, unknown> {
  const ruleIds = [...CHECK_IDS.map((id) => `check:${id}`), ...LEVER_IDS, ...BUDGET_IDS.map((id) => `budget:${id}`)];
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const model = options.dockerfile !== undefined ? parseDockerfile(options.dockerfile.text) : null;
  const imageUri = toArtifactUri(input.image.ref);
  const artifact = options.dockerfile !== undefined
    ? { location: { uri: toArtifactUri(options.dockerfile.path) }, sourceLanguage: 'dockerfile' }
    : {
        location: { uri: imageUri },
        description: { text: `${input.subject ?? 'container image'} ${input.image.ref}${[input.image.platform, input.image.digest].some(Boolean) ? ` (${[input.image.platform, input.image.digest].filter(Boolean).join(', ')})` : ''}` },
        roles: ['analysisTarget'],
      };
  const logical = [{ name: input.image.ref, fullyQualifiedName: input.image.digest ? `${input.image.ref}@${input.image.digest}` : input.image.ref, kind: 'resource' }];

  const location = (target: Target): Record<string, unknown> => {
    const instr = model ? locateInDockerfile(model, target) : null;
    if (instr === null) return { physicalLocation: { artifactLocation: { uri: imageUri, index: 0 } }, logicalLocations: logical };
    return {
      physicalLocation: {
        artifactLocation: { uri: toArtifactUri(options.dockerfile!.path), index: 0 },
        region: {
          startLine: instr.line,
          startColumn: instr.range.start.character + 1,
          endLine: instr.endLine,
          snippet: { text: instr.text.split('\n')[0] ?? '' },
        },
      },
      logicalLocations: logical,
    };
  };

  const failing = input.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
  failing.sort((a, b) => (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1));
  const levers = [...input.levers].sort((a, b) => (b.verdict ? 1 : 0) - (a.verdict ? 1 : 0) || b.bytes - a.bytes);
  const fresh = new Set(input.newLevers ?? []);
  const results = [
    ...(input.budgets ?? []).map((c) => ({
      ruleId: `budget:${c.budget}`,
      ruleIndex: ruleIndex.get(`budget:${c.budget}`),
      level: 'error',
      message: { text: `Budget crossed: ${c.message}` },
      locations: [location(budgetTarget(c))],
      partialFingerprints: { 'goslimImageFinding/v1': `budget:${c.budget}:${c.lever ?? ''}:${input.image.ref}` },
      properties: { budget: c.budget, ...(c.lever !== undefined ? { lever: c.lever } : {}) },
    })),
    ...failing.map((c) => ({
      ruleId: `check:${c.id}`,
      ruleIndex: ruleIndex.get(`check:${c.id}`),
      level: levelOfCheck(c),
      message: { text: `${c.status === 'fail' ? 'Will not start: ' : ''}${c.message}${c.fix ? ` Fix: ${c.fix}` : ''}` },
      locations: [location(CHECK_TARGET[c.id])],
      partialFingerprints: { 'goslimImageFinding/v1': `check:${c.id}:${input.image.ref}` },
      properties: { check: c.id, status: c.status, ...(c.runtimeMessage ? { runtimeMessage: c.runtimeMessage } : {}) },
    })),
    ...levers.map((l) => ({
      ruleId: l.id,
      ruleIndex: ruleIndex.get(l.id),
      level: l.verdict ? 'error' : 'warning',
      message: {
        text: `${fresh.has(l.id) ? 'New: ' : ''}${l.title} (${formatBytes(l.bytes)}).${(l.needs ?? []).map((n) => ` Apply ${n.lever} first: ${n.why}.`).join('')} Fix: ${l.fix}`,
      },
      locations: [location(LEVER_TARGET[l.id])],
      partialFingerprints: { 'goslimImageFinding/v1': `${l.id}:${input.image.ref}` },
      properties: { lever: l.id, bytes: l.bytes, ...(l.needs ? { needs: l.needs.map((n) => n.lever) } : {}), ...(fresh.has(l.id) ? { new: true } : {}) },
    })),
  ];
  return sarifLog({
    toolVersion: options.toolVersion,
    rules: ruleIds.map((id) => {
      const t = topicFor(id);
      const kind = id.startsWith('check:') ? 'startup' : id.startsWith('budget:') ? 'budget' : 'size';
      return {
        id,
        name: id.replace(/^(check|budget):/, '$1-'),
        shortDescription: { text: t.title },
        fullDescription: { text: t.summary },
        help: { text: topicHelpText(t), markdown: topicHelpMarkdown(t) },
        defaultConfiguration: { level: kind === 'size' ? 'warning' : 'error' },
        properties: { tags: ['container-image', 'go', kind] },
      };
    }),
    artifacts: [artifact],
    properties: { image: input.image },
    results,
  });
}

export function formatImageSarif(input: ImageSarifInput, options: ImageSarifOptions): string {
  return `${JSON.stringify(toImageSarif(input, options), null, 2)}\n`;
}
