// How the proc filesystem under the /proc root is mounted, from /proc/self/mountinfo: hidepid
// hides other users' processes from a non-root reader, so a scan no longer shows the whole pod.
import { realpathSync } from 'node:fs';
import type { ProcMountView } from '../pod/pod.ts';
import { nodeProcFs, type ProcFs } from './proc-fs.ts';

export function readProcMount(procRoot: string, fs: ProcFs = nodeProcFs): ProcMountView {
  let mountinfo: string;
  let where: string;
  try {
    // .native: one realpath(3) call; the JS version lstat()s each path element (a few ms under
    // qemu-user, where every JavaScript line is emulated).
    where = realpathSync.native(procRoot);
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
    // The cheap test first: most lines are not proc mounts.
    if (dash < 0 || fields[dash + 1] !== 'proc' || unescape(fields[4] ?? '') !== mountPoint) continue;
    const option = (fields[dash + 3] ?? '').split(',').find((o) => o.startsWith('hidepid='));
    const value = option?.slice('hidepid='.length);
    hidepid = value === undefined || value === '0' || value === 'off' ? undefined : value;
  }
  return hidepid;
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
function unescape(path: string): string {
  // Most paths have no escape: no regular expression to compile then.
  if (!path.includes('\\')) return path;
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
