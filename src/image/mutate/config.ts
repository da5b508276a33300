/**
 * Pure edits of an image config (image-spec config.md): what `goslim build` sets on
 * top of the base image's config. The base's values survive unless a change names
 * them; Env is merged by key so PATH and SSL_CERT_FILE from distroless stay.
 */
import { UsageError } from '../../errors.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../model.js';

export interface ConfigChanges {
  /** Exec form; replaces the base's Entrypoint and clears Cmd (an inherited Cmd would become arguments). */
  entrypoint?: string[];
  cmd?: string[] | null;
  user?: string;
  /** `KEY=VALUE`; replaces the same KEY from the base, else appended. */
  env?: string[];
  /** Directories appended to PATH (ko appends /ko-app). */
  pathAppend?: string[];
  /** `8080`, `8080/tcp`, `53/udp`. */
  ports?: string[];
  labels?: Record<string, string>;
  workingDir?: string;
  /** RFC 3339 time for config.created. */
  created?: string;
  author?: string;
}

export interface AddedLayerInfo {
  diffId: string;
  history: HistoryEntry;
}

export function parseEnv(entry: string): [string, string] {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new UsageError(`environment entry must be KEY=VALUE, got "${entry}"`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

export function normalisePort(port: string): string {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(port.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || n < 1 || n > 65535) throw new UsageError(`port must be N or N/tcp|udp|sctp (1-65535), got "${port}"`);
  return `${n}/${(m[2] ?? 'tcp').toLowerCase()}`;
}

function mergeEnv(base: string[] | undefined, changes: ConfigChanges): string[] | undefined {
  const env = new Map<string, string>();
  for (const e of base ?? []) {
    const eq = e.indexOf('=');
    env.set(eq < 0 ? e : e.slice(0, eq), eq < 0 ? '' : e.slice(eq + 1));
  }
  if (changes.pathAppend && changes.pathAppend.length > 0) {
    const path = env.get('PATH');
    const parts = path ? path.split(':') : ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
    for (const p of changes.pathAppend) if (!parts.includes(p)) parts.push(p);
    env.set('PATH', parts.join(':'));
  }
  for (const e of changes.env ?? []) {
    const [k, v] = parseEnv(e);
    env.set(k, v);
  }
  if (env.size === 0) return base;
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** A new config with the changes applied and one history entry per added layer. */
export function applyConfigChanges(base: ImageConfig, changes: ConfigChanges, added: AddedLayerInfo[]): ImageConfig {
  const cc: ContainerConfig = { ...(base.config ?? {}) };
  if (changes.user !== undefined) cc.User = changes.user;
  const env = mergeEnv(cc.Env, changes);
  if (env !== undefined) cc.Env = env;
  if (changes.entrypoint !== undefined) {
    cc.Entrypoint = changes.entrypoint;
    cc.Cmd = changes.cmd === undefined ? null : changes.cmd;
  } else if (changes.cmd !== undefined) {
    cc.Cmd = changes.cmd;
  }
  if (changes.ports && changes.ports.length > 0) {
    const ports: Record<string, object> = { ...(cc.ExposedPorts ?? {}) };
    for (const p of changes.ports) ports[normalisePort(p)] = {};
    cc.ExposedPorts = Object.fromEntries(Object.entries(ports).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  if (changes.labels && Object.keys(changes.labels).length > 0) {
    const labels = { ...(cc.Labels ?? {}), ...changes.labels };
    cc.Labels = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  if (changes.workingDir !== undefined) cc.WorkingDir = changes.workingDir;

  const history: HistoryEntry[] = [...(base.history ?? [])];
  // Keep history and diff_ids paired (non-empty history entries == layers), even
  // when the base had no history at all.
  const baseNonEmpty = history.filter((h) => !h.empty_layer).length;
  for (let i = baseNonEmpty; i < base.rootfs.diff_ids.length; i++) history.push({ created: base.created ?? new Date(0).toISOString(), comment: 'base layer' });
  for (const a of added) history.push(a.history);

  const out: ImageConfig = {
    ...base,
    ...(changes.created !== undefined ? { created: changes.created } : {}),
    ...(changes.author !== undefined ? { author: changes.author } : {}),
    config: cc,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...added.map((a) => a.diffId)] },
    history,
  };
  return out;
}
