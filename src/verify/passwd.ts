/** /etc/passwd and /etc/group, as the runtime reads them to resolve USER (runc libcontainer/user). */

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f.length < 7 || !Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5]!, shell: f[6]! });
  }
  return out;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const gid = Number(f[2]);
    if (f.length < 3 || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid });
  }
  return out;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** What did not resolve, when something did not. */
  problem?: string;
}

/**
 * Resolve a config User ("", "name", "uid", "uid:gid", "name:group") the way runc does:
 * numeric ids need no passwd entry; names must be found. Empty means root.
 */
export function resolveUser(user: string | undefined, passwd: PasswdEntry[] | undefined, group: GroupEntry[] | undefined): ResolvedUser {
  const spec = (user ?? '').trim();
  if (spec === '') return { uid: 0, gid: 0 };
  const [u, g] = spec.split(':', 2) as [string, string | undefined];
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    gid = passwd?.find((p) => p.uid === uid)?.gid ?? uid;
  } else {
    const entry = passwd?.find((p) => p.name === u);
    if (!entry) {
      return {
        uid: -1,
        gid: -1,
        problem: passwd === undefined ? `no /etc/passwd in the image to look up user "${u}"` : `user "${u}" is not in /etc/passwd`,
      };
    }
    uid = entry.uid;
    gid = entry.gid;
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const entry = group?.find((x) => x.name === g);
      if (!entry) {
        return { uid, gid: -1, problem: group === undefined ? `no /etc/group in the image to look up group "${g}"` : `group "${g}" is not in /etc/group` };
      }
      gid = entry.gid;
    }
  }
  return { uid, gid: gid ?? uid };
}
