// jobdone install DIR: copy the running executable (and, for the portable
// bundle, its lib/ folder) into DIR. This is the initContainer pattern for
// images nobody can rebuild: the jobdone image's init container copies itself
// into an emptyDir, the main container mounts that emptyDir at /jobdone and runs
// /jobdone/jobdone -- CMD.
//
// Every file is written under a temporary name in its own directory and then
// renamed over the old one: rename(2) is atomic, so a reader sees the old file
// or the new one, never half a file, and a copy that is running right now keeps
// its inode (writing over a running executable fails with ETXTBSY). Libraries go
// first and the executable last, so the executable appears only once its
// libraries are in place. Running it twice gives the same result.
import { accessSync, chmodSync, copyFileSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { isSea } from 'node:sea';
import { basename, dirname, join, resolve } from 'node:path';

/** The bundle's libraries are found at this absolute path only (the ELF interpreter path cannot be relative). */
export const bundlePath = '/jobdone';

export class InstallError extends Error {}

export interface InstallSource {
  executable: string;
  /** lib/ beside the executable when it is the portable bundle (holds the ELF interpreter). */
  libDir: string | undefined;
}

export interface CopyStep {
  from: string;
  to: string;
}

export interface InstallResult {
  dir: string;
  files: number;
  bytes: number;
  bundle: boolean;
}

/** What to copy: the executable jobdone runs as, and its lib/ when it is the portable bundle. */
export function installSource(executable = process.execPath, sea = isSea()): InstallSource {
  if (!sea) {
    throw new InstallError(`install copies the built executable, and this is node running the source (${executable}): build it (npm run build) and run dist/jobdone install DIR, or use the image's /jobdone/jobdone`);
  }
  const libDir = join(dirname(executable), 'lib');
  const isBundle = existsSync(libDir) && readdirSync(libDir).some((name) => name.startsWith('ld-linux'));
  return { executable, libDir: isBundle ? libDir : undefined };
}

/** The copies, in the order that keeps DIR usable at every moment: libraries, then the executable. */
export function planInstall(source: InstallSource, dir: string, libraries: readonly string[]): CopyStep[] {
  const target = resolve(dir);
  const steps: CopyStep[] = [];
  if (source.libDir !== undefined) {
    for (const name of [...libraries].sort()) steps.push({ from: join(source.libDir, name), to: join(target, 'lib', name) });
  }
  steps.push({ from: source.executable, to: join(target, 'jobdone') });
  return steps;
}

export function install(dir: string, source: InstallSource = installSource()): InstallResult {
  const libraries = source.libDir === undefined ? [] : readdirSync(source.libDir);
  const steps = planInstall(source, dir, libraries);
  // Sources are checked first, so that a failed copy below is the target's fault.
  for (const step of steps) {
    try {
      accessSync(step.from, constants.R_OK);
    } catch (error) {
      throw new InstallError(`cannot read ${step.from} to install it: ${isErrno(error) ? error.code : String(error)}`);
    }
  }
  let bytes = 0;
  for (const step of steps) {
    if (dirname(step.to) !== resolve(dir)) makeDirectory(resolve(dir), dir);
    makeDirectory(dirname(step.to), dir);
    replaceAtomically(step, dir);
    bytes += statSync(step.to).size;
  }
  return { dir: resolve(dir), files: steps.length, bytes, bundle: source.libDir !== undefined };
}

// Not mkdirSync's recursive mode: on some file systems (procfs) it retries
// mkdir forever instead of failing. DIR's parent must exist, as a mount point does.
function makeDirectory(path: string, dir: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    if (isErrno(error) && error.code === 'EEXIST' && isDirectory(path)) return;
    throw notWritable(dir, path, error);
  }
}

/** stat, not lstat: a symlink to a directory (a mounted volume's path) is one; a dangling one is not. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function replaceAtomically({ from, to }: CopyStep, dir: string): void {
  const temporary = join(dirname(to), `.${basename(to)}.jobdone-install-${process.pid}`);
  try {
    rmSync(temporary, { force: true });
    copyFileSync(from, temporary, constants.COPYFILE_EXCL);
    chmodSync(temporary, 0o755);
    renameSync(temporary, to);
  } catch (error) {
    removeQuietly(temporary);
    throw notWritable(dir, to, error);
  }
}

/** Cleanup after a failure must not hide the failure (it fails the same way when DIR is unreadable). */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // the error being reported is the one that matters
  }
}

function notWritable(dir: string, path: string, error: unknown): InstallError {
  const code = isErrno(error) ? error.code ?? error.message : String(error);
  const why = code === 'EROFS' ? 'a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'no permission to write'
    : code === 'ENOENT' ? 'no such directory (its parent must exist)'
    // mkdir says EEXIST for a file (or a dangling symlink) where the directory should be, and
    // ENOTDIR when a file stands in the path above it.
    : code === 'EEXIST' || code === 'ENOTDIR' ? 'not a directory' : code;
  return new InstallError(`cannot install into ${dir}: ${why} (${code} on ${path}); give it a writable directory, e.g. an emptyDir volume mounted read-write`);
}

function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

/** One log line: what was installed and how to use it. */
export function describeInstall(result: InstallResult): string {
  const size = `${result.files} file(s), ${(result.bytes / 1e6).toFixed(1)} MB`;
  return result.bundle
    ? `installed the portable jobdone into ${result.dir} (${size}); it runs only at ${bundlePath}/jobdone: mount this directory at ${bundlePath} in the main container`
    : `installed jobdone into ${result.dir} (${size}); this copy needs glibc >= 2.28 in the image that runs it; for images without glibc install from the portable bundle (${bundlePath}/jobdone in the jobdone image)`;
}
