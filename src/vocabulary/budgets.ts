/**
 * CI budgets: the limits `inspect` and `compare` (and `scan`) exit 1 on, each with a stable id and
 * the one copy of its text. A crossed budget is a finding with its id, so the text, Markdown and
 * SARIF reports and `goslim explain budget:<id>` say the same thing about it.
 */
import type { Reference } from './reference.js';

/** Every budget id: inspect's four, then compare's two. */
export const BUDGET_IDS = ['max-size', 'max-compressed-size', 'min-efficiency', 'fail-on-lever', 'max-growth', 'fail-on-new-lever'] as const;

export type BudgetId = (typeof BUDGET_IDS)[number];

export interface BudgetDoc {
  id: BudgetId;
  /** The command-line flag and the `.goslim.yaml` key that set it. */
  flag: string;
  config: string;
  title: string;
  summary: string;
  why: string;
  fix: string;
  references: Reference[];
}

const OCI_LAYER = { title: 'OCI image spec: image layer filesystem changeset (layers, whiteouts)', url: 'https://github.com/opencontainers/image-spec/blob/main/layer.md' };
const OCI_MANIFEST = { title: 'OCI image spec: image manifest (layer descriptors and their sizes)', url: 'https://github.com/opencontainers/image-spec/blob/main/manifest.md' };
const BEST_PRACTICES = { title: 'Docker docs: building best practices (multi-stage builds, minimal base images)', url: 'https://docs.docker.com/build/building/best-practices/' };
const DIVE_CI = { title: 'dive: CI integration (lowestEfficiency, highestWastedBytes)', url: 'https://github.com/wagoodman/dive#ci-integration' };

export const BUDGET_DOCS: Readonly<Record<BudgetId, BudgetDoc>> = {
  'max-size': {
    id: 'max-size',
    flag: '--max-size',
    config: 'inspect.max-size',
    title: 'Budget: the image is larger than --max-size',
    summary: 'The image\'s uncompressed size (every layer\'s tar, as it lands on a node\'s disk) is above the limit the team set.',
    why: 'Uncompressed bytes are what every node stores and what a cold start unpacks; a budget catches an image that regressed before it is pushed.',
    fix: 'apply the levers inspect lists, largest first (multi-stage and static-base remove the most), or raise the budget knowingly',
    references: [OCI_LAYER],
  },
  'max-compressed-size': {
    id: 'max-compressed-size',
    flag: '--max-compressed-size',
    config: 'inspect.max-compressed-size',
    title: 'Budget: the image pulls more than --max-compressed-size',
    summary: 'The image\'s compressed size (its layers as stored in a registry, measured) is above the limit.',
    why: 'Compressed bytes are what every pull transfers and what the registry stores for every kept tag.',
    fix: 'apply the levers inspect lists, largest first, or raise the budget knowingly',
    references: [OCI_MANIFEST],
  },
  'min-efficiency': {
    id: 'min-efficiency',
    flag: '--min-efficiency',
    config: 'inspect.min-efficiency',
    title: 'Budget: too many bytes hidden in lower layers (--min-efficiency)',
    summary: 'Layer efficiency is the share of the layers\' bytes still visible in the final file system; the rest was overwritten or deleted by a later layer but is still pulled and stored.',
    why: 'A file deleted in a later RUN still ships in the layer that added it: `rm` in a separate instruction frees nothing.',
    fix: 'delete in the same RUN that creates (or build in a stage and COPY the result), so the bytes never reach a layer',
    references: [DIVE_CI, OCI_LAYER],
  },
  'fail-on-lever': {
    id: 'fail-on-lever',
    flag: '--fail-on-lever',
    config: 'inspect.fail-on-lever',
    title: 'Budget: a lever the team ruled out applies (--fail-on-lever)',
    summary: 'One of the levers named in --fail-on-lever applies to the image (for example the image still ships the Go toolchain: multi-stage).',
    why: 'Some levers are policy: a team that ships distroless images fails a pull request whose image is built on a distro again.',
    fix: 'apply that lever (goslim explain LEVER says how), or take it off the list',
    references: [BEST_PRACTICES],
  },
  'max-growth': {
    id: 'max-growth',
    flag: '--max-growth',
    config: 'compare.max-growth',
    title: 'Budget: the image (or binary) grew more than --max-growth',
    summary: 'B is larger than A by more than the limit, a percentage of A or a size; for images both the uncompressed and the compressed size are held to it.',
    why: 'Growth is cheap to stop in the pull request that causes it and expensive to find later: every node pulls and stores it.',
    fix: 'see the compare report\'s largest changes (layers, packages, Go modules) for what grew; remove it, or raise the budget knowingly',
    references: [OCI_MANIFEST, OCI_LAYER],
  },
  'fail-on-new-lever': {
    id: 'fail-on-new-lever',
    flag: '--fail-on-new-lever',
    config: 'compare.fail-on-new-lever',
    title: 'Budget: a lever applies to B that did not apply to A (--fail-on-new-lever)',
    summary: 'B regressed on one of the levers: for example the new build is no longer stripped, or its final stage is a distro again.',
    why: 'A lever once applied is easy to lose in a Dockerfile edit; this catches it the day it happens.',
    fix: 'apply the lever again (goslim explain LEVER; goslim fix rewrites the Dockerfile)',
    references: [BEST_PRACTICES],
  },
};

export function budgetDoc(id: BudgetId): BudgetDoc {
  return BUDGET_DOCS[id];
}

/** A crossed budget: which one, the one line that says what crossed it, and the lever when one is named. */
export interface BudgetCrossing {
  budget: BudgetId;
  message: string;
  lever?: string;
}
