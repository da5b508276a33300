/**
 * goslim's vocabulary: every lever, cause and verify check as data with a stable id and the one
 * copy of its text. A leaf: it imports nothing from the rest of src/. Analysis, findings, reports,
 * budgets and `explain` refer to these by id and take the words from here.
 */
export type { Reference } from './reference.js';
export { LEVER_IDS, LEVER_DOCS, leverDoc, isLeverId, type LeverId, type LeverDoc } from './levers.js';
export { CAUSE_IDS, CAUSE_DOCS, causeDoc, type CauseId, type CauseDoc } from './causes.js';
export { CHECK_IDS, CHECK_DOCS, checkDoc, type CheckId, type CheckDoc } from './checks.js';
export { HINT_IDS, HINT_DOCS, hintDoc, type HintId, type HintDoc } from './hints.js';
export { BUDGET_IDS, BUDGET_DOCS, budgetDoc, type BudgetId, type BudgetDoc, type BudgetCrossing } from './budgets.js';
