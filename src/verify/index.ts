/** `goslim verify`: will this image start? Static checks, and optionally a sandboxed run. */
import type { Image } from '../image/model.js';
import type { MergeProgress } from '../image/filesystem/index.js';
import { collectImageView } from './collect.js';
import { verifyStatic } from './checks.js';
import { runImage, type RunOptions } from './run.js';
import type { VerifyReport } from './types.js';

export { verifyStatic, lookupProgram, imageLibcFamilies, type ImageView, type StaticInput } from './checks.js';
export { collectImageView, createVerifyCapture, type VerifyCapture } from './collect.js';
export { runImage, chooseSandbox, type RunOptions } from './run.js';
export { unpackImage, resolveInRoot } from './unpack.js';
export { resolveCommand } from './command-line.js';
export { parseLdSoCache } from './ld-cache.js';
export type { VerifyReport, VerifyCheck, CheckId, CheckStatus, Verdict, RunResult } from './types.js';

export interface VerifyOptions {
  run?: boolean | RunOptions;
  onProgress?: (p: MergeProgress) => void;
}

export async function verifyImage(image: Image, options: VerifyOptions = {}): Promise<VerifyReport> {
  const fs = await collectImageView(image, options.onProgress ? { onProgress: options.onProgress } : {});
  const report = verifyStatic({
    ref: image.reference(),
    digest: image.digest(),
    platform: image.platform(),
    config: image.config().config,
    fs,
  });
  if (options.run) {
    report.run = await runImage(image, options.run === true ? {} : options.run);
  }
  return report;
}
