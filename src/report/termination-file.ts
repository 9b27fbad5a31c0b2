// Writing the termination message file as root into a directory other containers may share
// (an emptyDir mounted 0777, a hostPath): a container of another user can plant a symlink, a
// hard link, a FIFO or a file there before jobdone ends. Only a regular file that is nothing
// but itself is written, and the path's last component is never followed.
import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** Why a path was not written, as one phrase for the warning. libuv opens every file close-on-exec. */
export class TerminationFileRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

// O_NONBLOCK: a FIFO without a reader fails at once (ENXIO) instead of blocking jobdone at exit.
// O_NOFOLLOW: a symlink as the last component fails (ELOOP) instead of being followed.
// Never O_TRUNC at open: the file is checked first, then truncated through the same descriptor.
const openFlags = constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Writes message to path, creating it (0644) when absent unless onlyIfPresent. Returns false
 * when it was absent and onlyIfPresent; throws TerminationFileRefused or the open's error.
 */
export function writeTerminationFile(path: string, message: string | (() => string), onlyIfPresent: boolean): boolean {
  const fd = openExistingOrCreate(path, onlyIfPresent);
  if (fd === undefined) return false;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new TerminationFileRefused('not a regular file');
    // A hard link planted next to another user's file would have root overwrite it; the
    // kubelet's file and any file jobdone creates have exactly one name.
    if (stat.nlink !== 1) throw new TerminationFileRefused(`a regular file with ${stat.nlink} hard links, which jobdone does not write through`);
    ftruncateSync(fd, 0);
    // Made only for a file that is there: outside Kubernetes none is, and each run paid for it.
    writeSync(fd, typeof message === 'string' ? message : message());
    return true;
  } finally {
    closeSync(fd);
  }
}

function openExistingOrCreate(path: string, onlyIfPresent: boolean): number | undefined {
  // Twice at most: a file that appears between the two opens (EEXIST) is opened as existing.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return openSync(path, openFlags);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new TerminationFileRefused('it is a symbolic link, which jobdone does not follow (ELOOP)');
      if (code !== 'ENOENT') throw error;
    }
    if (onlyIfPresent) return undefined;
    try {
      // O_EXCL: created here, never through something planted at the same moment (with O_EXCL
      // a symlink, even a dangling one, is EEXIST, never followed).
      return openSync(path, openFlags | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new TerminationFileRefused('it keeps changing (created and removed while jobdone opened it)');
}
