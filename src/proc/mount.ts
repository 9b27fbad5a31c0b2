// How the proc filesystem under the /proc root is mounted, from /proc/self/mountinfo: hidepid
// hides other users' processes from a non-root reader, so a scan no longer shows the whole pod.
import { realpathSync } from 'node:fs';
import type { ProcMountView } from '../pod/pod.ts';
import { nodeProcFs, type ProcFs } from './proc-fs.ts';

export function readProcMount(procRoot: string, fs: ProcFs = nodeProcFs): ProcMountView {
  let mountinfo: string;
  let where: string;
  try {
    where = realpathSync(procRoot);
    mountinfo = fs.readText('/proc/self/mountinfo', 1024 * 1024);
  } catch {
    return {};
  }
  return { hidepid: hidepidOf(mountinfo, where) };
}

/** The hidepid option of the proc mount at mountPoint (the last one mounted there), unless off. */
export function hidepidOf(mountinfo: string, mountPoint: string): string | undefined {
  let hidepid: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 0 || unescape(fields[4] ?? '') !== mountPoint || fields[dash + 1] !== 'proc') continue;
    const option = (fields[dash + 3] ?? '').split(',').find((o) => o.startsWith('hidepid='));
    const value = option?.slice('hidepid='.length);
    hidepid = value === undefined || value === '0' || value === 'off' ? undefined : value;
  }
  return hidepid;
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
function unescape(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
