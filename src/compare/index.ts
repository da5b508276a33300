export { compareImages, matchLayers, type InspectInput, type CompareImagesOptions } from './images.js';
export { compareBinaries, moduleOf, type BinaryInput } from './binaries.js';
export { checkCompareBudgets, parseMaxGrowth, type CompareBudgets, type MaxGrowth } from './budgets.js';
export { parseSavedReport, type SavedReport } from './saved.js';
export { classifyInput, compareInputs, compareInputsWithSides, type CompareInputsOptions, type InputKind, type ComparedSides } from './inputs.js';
export { headlineOf, formatRatio, formatDelta, sizePair } from './headline.js';
export * from './types.js';
