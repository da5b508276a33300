/** `goslim verify`: will this image start? Static checks, and optionally a sandboxed run. */
import type { Image } from '../image/model.js';
import type { MergeProgress } from '../image/filesystem/index.js';
import { collectImageView } from './collect.js';
import { runCheck, verifyStatic } from './checks.js';
import { runImage, type RunOptions } from './run.js';
import { verdictOf, type VerifyReport } from './types.js';

export { verifyStatic, runCheck, lookupProgram, imageLibcFamilies, type ImageView, type StaticInput } from './checks.js';
export { collectImageView, createVerifyCapture, type VerifyCapture } from './collect.js';
export { runImage, chooseSandbox, EMULATOR_PATH, type RunOptions } from './run.js';
export { chooseEmulation, findBinfmtHandler, findQemu, hostArchitecture, qemuArchitecture, type Emulation, type EmulationOptions } from './emulation.js';
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
    // The run is a check like the others, so the verdict and the lines below it agree.
    report.checks.push(runCheck(report.run));
    report.verdict = verdictOf(report.checks);
  }
  return report;
}
