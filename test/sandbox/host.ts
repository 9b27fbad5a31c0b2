// What the host must offer for the pod sandbox, and why it cannot run when it does not.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, openSync, readSync, closeSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { asRoot, cannotRun, install, skipOrFail } from '../helpers/skip.ts';
import { cgroupSkipReason, findHierarchies, type CgroupHierarchy } from './cgroups.ts';

export interface SandboxHost {
  readonly catatonit: string;
  readonly unshare: string;
  readonly nsenter: string;
  readonly setpriv: string;
  readonly busybox: string;
  readonly sh: string;
  readonly hierarchies: readonly CgroupHierarchy[];
}

const PACKAGE_OF: Record<string, string> = {
  catatonit: 'catatonit',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  setpriv: 'util-linux',
  busybox: 'busybox-static',
  sh: 'dash',
};

function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** True when the ELF file has no PT_INTERP, i.e. runs in a root without libraries. */
function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) return false; // 64-bit ELF only
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const entry = Buffer.alloc(4);
    for (let i = 0; i < phnum; i++) {
      readSync(fd, entry, 0, 4, phoff + i * phentsize);
      if (entry.readUInt32LE(0) === 3) return false; // PT_INTERP
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** What the probe found: the host, or why not, the command that fixes it, and the Debian packages it lacks. */
interface Probe {
  host?: SandboxHost;
  reason?: string;
  toRun?: string;
  packages?: readonly string[];
}

let probed: Probe | undefined;

function probe(): Probe {
  if (process.platform !== 'linux') return { reason: `pod sandbox needs Linux, this is ${process.platform}` };
  if (process.getuid?.() !== 0) return { reason: 'pod sandbox needs root (namespaces, cgroups, setpriv)', toRun: asRoot };
  const paths: Record<string, string> = {};
  const missing: string[] = [];
  const packages = new Set<string>();
  for (const [name, pkg] of Object.entries(PACKAGE_OF)) {
    const path = which(name);
    if (path === undefined) {
      missing.push(name === pkg ? name : `${name} (${pkg})`);
      packages.add(pkg);
    } else {
      paths[name] = path;
    }
  }
  if (missing.length === 0 && !isStaticElf(paths.busybox!)) {
    missing.push(`a static busybox (${paths.busybox} is not; busybox-static)`);
    packages.add('busybox-static');
  }
  if (missing.length > 0) return { reason: `pod sandbox needs ${missing.join(', ')}`, toRun: install('sandbox'), packages: [...packages] };
  const hierarchies = findHierarchies();
  const cgroupReason = cgroupSkipReason(hierarchies);
  if (cgroupReason !== undefined) return { reason: `pod sandbox: ${cgroupReason}` };
  const trial = spawnSync(paths.unshare!, ['--pid', '--fork', '--mount-proc', '--net', '--ipc', '--uts', '--', paths.sh!, '-c', 'exit 0'], {
    timeout: 5000,
    encoding: 'utf8',
  });
  if (trial.status !== 0) {
    return { reason: `pod sandbox cannot create namespaces: unshare ${trial.error?.message ?? `exited ${trial.status}: ${trial.stderr.trim()}`}` };
  }
  return {
    host: {
      catatonit: paths.catatonit!,
      unshare: paths.unshare!,
      nsenter: paths.nsenter!,
      setpriv: paths.setpriv!,
      busybox: paths.busybox!,
      sh: paths.sh!,
      hierarchies,
    },
  };
}

/**
 * Why the pod sandbox cannot run here, or undefined when it can. For `test(name, { skip:
 * sandboxSkipReason() }, ...)`. When CI is set a missing sandbox is an error, not a skip, so
 * a broken CI machine cannot turn the pod tests green by skipping them.
 */
export function sandboxSkipReason(): string | undefined {
  probed ??= probe();
  return cannotRun('the pod sandbox', probed.reason, probed.toRun);
}

/** The rule above, apart from the probe so a test can check it on any machine. */
export function skipUnlessCI(reason: string | undefined, ci: string | undefined): string | undefined {
  return skipOrFail('the pod sandbox', reason, undefined, ci);
}

/**
 * The Debian packages whose commands the sandbox lacks (empty when it lacks none, or lacks
 * something no package gives: root, Linux, cgroups), for `npm run demo`, which installs them.
 */
export function sandboxMissingPackages(): readonly string[] {
  probed ??= probe();
  return probed.packages ?? [];
}

/** Probe again (after installing what was missing). */
export function forgetSandboxProbe(): void {
  probed = undefined;
}

export function sandboxHost(): SandboxHost {
  probed ??= probe();
  if (probed.host === undefined) throw new Error(probed.reason ?? 'pod sandbox unavailable');
  return probed.host;
}
