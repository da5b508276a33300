/**
 * The one place that says which tools the tests need, how a test finds out whether one is
 * here, and which Debian package provides it (scripts/install-deps.sh installs them all).
 *
 *   describeWithTools(['go', 'skopeo'], 'real Go binaries', () => { ... });
 *   itWithTools(['zstd'], 'reads a zstd layer', async () => { ... });
 *   const { ok, missing } = requireTools('go');
 *
 * A need that is not met:
 * - skips the block, and records why in the tests' meta (`goslimNeeds`); the skip reporter
 *   (test/helpers/skip-reporter.ts) prints "skipped N tests in M files because: ..." at the end;
 * - with CI=true, FAILS instead: collecting the file throws a MissingToolError naming the block, the
 *   tool and its package (before any hook runs), so a CI machine that lost a package fails loudly.
 *
 * GOSLIM_TEST_NO_TOOLS=1 pretends every tool is missing (GOSLIM_TEST_NO_TOOLS=go,skopeo: those);
 * such skips are on purpose (`npm run test:unit` sets it), so they never fail, even with CI=true.
 */
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestFunction } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ToolSpec {
  /** Debian package that provides it (or what to do, for the non-package needs). */
  package: string;
  /** Program looked up on PATH (default: the tool's name); ignored when `detect` is given. */
  command?: string;
  /** Custom check for needs that are not a program on PATH. */
  detect?: () => boolean;
  /** True for needs that GOSLIM_TEST_NO_TOOLS does not pretend away (they are not tools). */
  notATool?: boolean;
}

/** Every tool a test may need. Keep in step with scripts/install-deps.sh. */
export const TOOLS = {
  go: { package: 'golang-go' },
  gcc: { package: 'gcc' },
  'zlib-dev': { package: 'zlib1g-dev', detect: () => existsSync('/usr/include/zlib.h') },
  readelf: { package: 'binutils' },
  file: { package: 'file' },
  skopeo: { package: 'skopeo' },
  umoci: { package: 'umoci' },
  'docker-registry': { package: 'docker-registry' },
  htpasswd: { package: 'apache2-utils' },
  debootstrap: { package: 'debootstrap' },
  bwrap: { package: 'bubblewrap' },
  runc: { package: 'runc' },
  buildah: { package: 'buildah' },
  podman: { package: 'podman' },
  slirp4netns: { package: 'slirp4netns' },
  jq: { package: 'jq' },
  'musl-gcc': { package: 'musl-tools' },
  pigz: { package: 'pigz' },
  zstd: { package: 'zstd' },
  getfattr: { package: 'attr' },
  unshare: { package: 'util-linux' },
  nsenter: { package: 'util-linux' },
  flock: { package: 'util-linux' },
  prlimit: { package: 'util-linux' },
  'dpkg-deb': { package: 'dpkg' },
  /** Runs arm64 images in `verify --run` (QEMU user-mode emulation, started directly; no binfmt_misc needed). */
  'qemu-aarch64-static': { package: 'qemu-user-static' },
  /** A 32-bit guest (linux/arm), whose emulator reserves the whole 4 GiB guest address space. */
  'qemu-arm-static': { package: 'qemu-user-static' },
  /** The HTML report's browser tests drive it with playwright-core (test/helpers/browser.ts); no browser download. */
  chromium: { package: 'chromium' },
  /** Makes the test token issuer's certificate (test/helpers/registry.ts); ca-certificates pulls it in. */
  openssl: { package: 'openssl' },
  /** Debian's Go 1.19 toolchain at its fixed path (tests read gofmt and the tools there). */
  'go-1.19': { package: 'golang-1.19-go', detect: () => existsSync('/usr/lib/go-1.19/bin/gofmt') },
  /** npm (ships with Node.js: nodesource's nodejs package, or Debian's npm): the package test packs and installs goslim. */
  npm: { package: 'nodejs' },
  /** Always here (Essential); the self-test uses it to check GOSLIM_TEST_NO_TOOLS. */
  sh: { package: 'dash' },
  /** Never here: test/helpers/tools.test.ts checks what a missing tool does to a run. */
  'goslim-no-such-tool': { package: 'goslim-no-such-package' },
  root: { package: 'run as root (uid 0)', detect: () => process.getuid?.() === 0, notATool: true },
  /** The built CLI (dist/), which the e2e tests spawn. */
  dist: { package: 'run `npm run build` first', detect: () => existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js')), notATool: true },
} satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;

/** What the fixture images script (test/fixtures/images/make-images.sh) needs. */
export const FIXTURE_TOOLS: ToolName[] = ['debootstrap', 'skopeo', 'go', 'jq', 'bwrap', 'unshare', 'flock', 'dpkg-deb', 'root'];

export interface MissingTool {
  tool: ToolName;
  package: string;
  /** True when GOSLIM_TEST_NO_TOOLS asked for it to be treated as missing. */
  pretended: boolean;
}

export interface ToolCheck {
  ok: boolean;
  missing: MissingTool[];
  /** "go missing (golang-go), skopeo missing (skopeo)" or "" */
  reason: string;
}

/** Needs recorded in a skipped test's meta, read by the skip reporter. */
export interface SkipRecord {
  missing: MissingTool[];
  reason: string;
}

declare module 'vitest' {
  interface TaskMeta {
    goslimNeeds?: SkipRecord;
  }
}

function pretendMissing(tool: ToolName): boolean {
  const spec: ToolSpec = TOOLS[tool];
  if (spec.notATool === true) return false;
  const v = (process.env.GOSLIM_TEST_NO_TOOLS ?? '').trim();
  if (v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true' || v === 'all') return true;
  return v.split(',').map((s) => s.trim()).includes(tool);
}

const onPathMemo = new Map<string, boolean>();
function onPath(command: string): boolean {
  let found = onPathMemo.get(command);
  if (found === undefined) {
    found = (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));
    onPathMemo.set(command, found);
  }
  return found;
}

/** True when `tool` is here (and not pretended away). */
export function hasTool(tool: ToolName): boolean {
  const spec: ToolSpec = TOOLS[tool];
  if (spec === undefined) throw new Error(`test/helpers/tools.ts: unknown tool ${String(tool)}; add it to TOOLS`);
  if (pretendMissing(tool)) return false;
  return spec.detect !== undefined ? spec.detect() : onPath(spec.command ?? tool);
}

export function describeMissing(missing: MissingTool[]): string {
  return missing.map((m) => (TOOLS[m.tool] as ToolSpec).notATool === true ? `${m.tool} missing (${m.package})` : `${m.tool} missing (Debian package ${m.package})`).join(', ');
}

/** Which of `tools` are missing; `ok` when none is. */
export function requireTools(...tools: ToolName[]): ToolCheck {
  const missing: MissingTool[] = [];
  for (const tool of new Set(tools)) {
    if (!hasTool(tool)) missing.push({ tool, package: TOOLS[tool].package, pretended: pretendMissing(tool) });
  }
  return { ok: missing.length === 0, missing, reason: describeMissing(missing) };
}

/** CI=true (anything but empty, 0 or false), as CI services set it. */
export function inCI(): boolean {
  const v = (process.env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/** What a block that needs a missing tool throws with CI=true. */
export class MissingToolError extends Error {
  constructor(block: string, check: ToolCheck) {
    super(`"${block}" needs: ${failureText(check)}`);
    this.name = 'MissingToolError';
  }
}

function failureText(check: ToolCheck): string {
  return (
    `${check.reason}. ` +
    'CI=true turns a missing tool into a failure instead of a skip (scripts/install-deps.sh installs every package; ' +
    'test/helpers/tools.ts lists them)'
  );
}

/** True when the unmet needs must fail rather than skip: in CI, unless every one was pretended away. */
function mustFail(check: ToolCheck): boolean {
  return !check.ok && inCI() && check.missing.some((m) => !m.pretended);
}

type SuiteFn = () => void;
type TestFn = TestFunction;

/** `describe(name, fn)` when every tool is here; a recorded skip otherwise (a failure with CI=true). */
export function describeWithTools(tools: ToolName[], name: string, fn: SuiteFn): void {
  const check = requireTools(...tools);
  if (check.ok) {
    describe(name, fn);
  } else if (mustFail(check)) {
    // Thrown while the file is collected: the file fails with this message before any of its hooks
    // (which would fail on the missing tool with a less helpful error) can run.
    throw new MissingToolError(name, check);
  } else {
    describe(name, { skip: true, meta: { goslimNeeds: { missing: check.missing, reason: check.reason } } }, fn);
  }
}

/** `it(name, fn, timeout)` when every tool is here; a recorded skip otherwise (a failure with CI=true). */
export function itWithTools(tools: ToolName[], name: string, fn: TestFn, timeout?: number): void {
  const check = requireTools(...tools);
  if (check.ok) {
    it(name, { timeout }, fn);
  } else if (mustFail(check)) {
    // Thrown while the file is collected: the file fails with this message before any of its hooks
    // (which would fail on the missing tool with a less helpful error) can run.
    throw new MissingToolError(name, check);
  } else {
    it(name, { timeout, skip: true, meta: { goslimNeeds: { missing: check.missing, reason: check.reason } } }, fn);
  }
}
