/**
 * `goslim compare --format sarif`: what code scanning should show for the pull request's image (or
 * binary), B. Its crossed budgets first (they fail the job), then B's own findings as `inspect`
 * (or `binary`) reports them, located on B's Dockerfile with `--dockerfile`; levers that apply to B
 * and did not to A are marked new (`properties.new`, "New:" in the message). One writer with inspect's
 * (src/report/image-sarif.ts), so a lever is the same rule in both logs and GitHub tracks it across runs.
 */
import type { ComparedSides } from '../compare/inputs.js';
import type { BudgetCrossing } from '../vocabulary/budgets.js';
import { formatImageSarif, type ImageSarifInput, type ImageSarifOptions } from './image-sarif.js';

export function compareSarifInput(sides: ComparedSides, budgets: readonly BudgetCrossing[]): ImageSarifInput {
  if (sides.subject === 'image') {
    const b = sides.b;
    return {
      image: { ref: b.image.ref, digest: b.image.digest, platform: b.image.platform },
      checks: b.startup?.checks ?? [],
      levers: b.levers,
      budgets,
      newLevers: sides.report.levers.new,
    };
  }
  const b = sides.b;
  return {
    image: { ref: b.path ?? sides.report.b.input },
    subject: 'executable',
    checks: [],
    levers: b.findings.map((f) => ({ id: f.lever, bytes: f.bytes, title: f.title, fix: f.fix, lose: f.lose, keep: f.keep })),
    budgets,
    newLevers: sides.report.findings.new,
  };
}

export function formatCompareSarif(sides: ComparedSides, budgets: readonly BudgetCrossing[], options: ImageSarifOptions): string {
  return formatImageSarif(compareSarifInput(sides, budgets), options);
}
