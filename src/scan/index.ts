/** `goslim scan` and `goslim merge`: a fleet of images, its JSON Lines records and its summary. */
export { runScan, type ScanOptions, type ScanResult, type ScanEvent } from './scan.js';
export { FleetSummarizer, summarizeFiles, readRecords, type FleetSummary, type SummaryOptions } from './summary.js';
export { imageRecordLine, errorRecordLine, parseRecord, recordRef, type ScanRecord, type ImageRecord, type ErrorRecord } from './records.js';
export { referencesFromFile, referencesFromRegistry, parseRegistryTarget, parseTagSelection, type TagSelection, type RegistryTarget } from './references.js';
export { parseShard, shardOf, type Shard } from './shard.js';
export { renderFleetText, renderFleetMarkdown } from './format.js';
export { defaultConcurrency, cgroupCpuQuota, MAX_DEFAULT_CONCURRENCY } from './cpus.js';
