// How the scan reads one /proc file and tells "the process is gone" from "this field cannot be
// read" (src/proc/scan.ts): the one rule for both, whether the file is read by path or held.
import type { ProcFs } from './proc-fs.ts';

export const gone = Symbol('gone');

/** File text; `gone` when the process vanished; undefined when not readable (EACCES and the like). */
export function readField(fs: ProcFs, path: string, maxBytes?: number): string | undefined | typeof gone {
  try {
    return fs.readText(path, maxBytes);
  } catch (error) {
    return unreadable(error);
  }
}

/** Like readField, with the file kept open (fs.readAndHold must exist). */
export function readHeld(fs: ProcFs, path: string): ReturnType<NonNullable<ProcFs['readAndHold']>> | undefined | typeof gone {
  try {
    return fs.readAndHold!(path);
  } catch (error) {
    return unreadable(error);
  }
}

export function unreadable(error: unknown): undefined | typeof gone {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ESRCH') return gone;
  // EACCES/EPERM (hidepid, ptrace-gated files) and anything unexpected: one unreadable field
  // must not stop jobdone from stopping the rest of the pod.
  return undefined;
}

/** /proc lists pids as 1..4194304 (pid_max's limit) in plain decimal: '0', '007' or '99999999' are not processes. */
export function isPidName(name: string): boolean {
  if (name.length === 0 || name.length > 7 || name.charCodeAt(0) === 48) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(name) <= maxPid;
}

const maxPid = 4_194_304;
