// The portable bundle: dist/bundle/jobdone/ is meant to live at /jobdone in any
// Linux image, glibc or not (scratch, distroless/static, Alpine/musl).
//
//   /jobdone/jobdone                     the SEA executable, patched with patchelf:
//                                          PT_INTERP  -> /jobdone/lib/ld-linux-<arch>.so.N
//                                          DT_RPATH   -> /jobdone/lib
//   /jobdone/lib/{ld-linux..., libc.so.6, libstdc++.so.6, ...}   what the executable links
//
// Why the fixed path: the ELF interpreter is read by the kernel before any code
// runs, so it must be an absolute path ($ORIGIN works for the rpath, not for
// PT_INTERP). Why DT_RPATH rather than DT_RUNPATH (--force-rpath): RPATH is
// searched before LD_LIBRARY_PATH and also for the libraries' own dependencies,
// so an image's LD_LIBRARY_PATH cannot mix another libc into jobdone.
// patchelf runs after postject: it rewrites program headers and .dynamic but
// keeps the NODE_SEA_BLOB note, and the build checks that the result still runs
// the bundled program (not a bare node).
//
// The other CPU's bundle (npm run build -- --arch arm64 on x64, or x64 on arm64) takes that
// CPU's glibc and libstdc++ from Debian's multiarch packages on the build machine, and its
// interpreter runs under qemu-user (binfmt_misc) for the listing and the final check.
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';

export const installPath = '/jobdone';

/** What the build needs to know of each CPU: Debian's names for its toolchain and libraries, and Node's ELF interpreter. */
export const architectures = {
  x64: { triplet: 'x86_64-linux-gnu', binutils: 'binutils-x86-64-linux-gnu', debian: 'amd64', interpreter: '/lib64/ld-linux-x86-64.so.2', qemu: 'qemu-x86_64' },
  arm64: { triplet: 'aarch64-linux-gnu', binutils: 'binutils-aarch64-linux-gnu', debian: 'arm64', interpreter: '/lib/ld-linux-aarch64.so.1', qemu: 'qemu-aarch64' },
};

const onPath = (name) => (process.env.PATH ?? '').split(delimiter).some((dir) => {
  try {
    accessSync(join(dir || '.', name), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

/** What missingTools looks at; a test passes a made-up machine. */
const thisMachine = {
  arch: process.arch,
  onPath,
  exists: existsSync,
  enabled: (handler) => existsSync(handler) && readFileSync(handler, 'utf8').startsWith('enabled'),
};

/**
 * What the build for arch lacks on this machine, as one line naming the Debian packages to
 * install (undefined when nothing): strip (the other CPU's strip for a cross build), patchelf
 * for the bundle, and for a cross build that CPU's libc (multiarch, hence dpkg
 * --add-architecture) and qemu-user. qemu is looked for only where binfmt_misc is mounted: in a
 * container (the Dockerfile's build stage) it is not, yet the host's emulator runs the other
 * CPU's programs; the build's own run of the target's Node then says what is wrong.
 */
export function missingTools(arch, withBundle, machine = thisMachine) {
  const target = architectures[arch];
  const cross = arch !== machine.arch;
  const missing = [];
  const strip = cross ? `${target.triplet}-strip` : 'strip';
  if (!machine.onPath(strip)) missing.push([strip, cross ? target.binutils : 'binutils']);
  if (withBundle && !machine.onPath('patchelf')) missing.push(['patchelf (for --bundle)', 'patchelf']);
  if (cross && !machine.exists(target.interpreter)) missing.push([`the ${arch} libc (${target.interpreter})`, `libc6:${target.debian} libstdc++6:${target.debian}`]);
  const handler = `/proc/sys/fs/binfmt_misc/${target.qemu}`;
  if (cross && machine.exists('/proc/sys/fs/binfmt_misc/status') && !machine.enabled(handler)) {
    missing.push([`qemu-user for ${arch} (no enabled ${handler})`, 'qemu-user-static binfmt-support']);
  }
  if (missing.length === 0) return undefined;
  const multiarch = missing.some(([, packages]) => packages.includes(':')) ? `dpkg --add-architecture ${target.debian} && apt-get update && ` : '';
  const script = cross && arch === 'arm64' ? ' (or: sh scripts/install-test-deps.sh arm64, which also registers qemu)' : '';
  return `cannot build for ${arch} here, missing ${missing.map(([what]) => what).join(', ')}: ${multiarch}apt-get install ${missing.map(([, packages]) => packages).join(' ')}${script}`;
}

/** Libraries the executable loads, as [soname, resolved path], and its interpreter, asked of the interpreter itself (what ldd does). */
export function linkedLibraries(exe) {
  const interpreter = execFileSync('patchelf', ['--print-interpreter', exe]).toString().trim();
  const listing = execFileSync(interpreter, ['--list', exe]).toString();
  const libraries = [];
  for (const line of listing.split('\n')) {
    const match = /^\s*(\S+) => (\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (match) libraries.push([match[1], match[2]]);
    else if (/not found/.test(line)) throw new Error(`bundle: ${exe} links a library that is not found: ${line.trim()}`);
  }
  return { interpreter, libraries };
}

/** Makes outDir (e.g. dist/arm64/bundle/jobdone) from the built SEA executable for arch (x64 or arm64). */
export function makeBundle(exe, outDir, arch = process.arch) {
  const expected = architectures[arch];
  if (!existsSync(expected.interpreter)) {
    const emulation = arch === process.arch ? '' : ', and qemu-user-static to run it';
    throw new Error(`bundle: ${expected.interpreter} is missing: the ${arch} bundle takes that CPU's libraries from this machine; install libc6:${expected.debian} and libstdc++6:${expected.debian} (dpkg --add-architecture ${expected.debian})${emulation}`);
  }
  const { interpreter, libraries } = linkedLibraries(exe);
  if (interpreter !== expected.interpreter) throw new Error(`bundle: ${exe} asks for ${interpreter}, not the ${arch} interpreter ${expected.interpreter}`);
  rmSync(outDir, { recursive: true, force: true });
  const lib = join(outDir, 'lib');
  mkdirSync(lib, { recursive: true });
  // copyFileSync follows symlinks: libc.so.6 -> the real file, under its soname.
  for (const [soname, path] of libraries) copyFileSync(path, join(lib, soname));
  copyFileSync(interpreter, join(lib, basename(interpreter)));
  for (const name of [...libraries.map(([soname]) => soname), basename(interpreter)]) chmodSync(join(lib, name), 0o755);

  const bundled = join(outDir, 'jobdone');
  copyFileSync(exe, bundled);
  chmodSync(bundled, 0o755);
  execFileSync('patchelf', [
    '--set-interpreter', `${installPath}/lib/${basename(interpreter)}`,
    '--force-rpath', '--set-rpath', `${installPath}/lib`,
    bundled,
    // patchelf warns about the note section postject added without a name; harmless, and it
    // would be the only output of a good build. On failure execFileSync's error carries stderr.
  ], { stdio: ['ignore', 'ignore', 'pipe'] });

  // The patched file cannot run from here (its interpreter is /jobdone/lib/...),
  // but this host's interpreter can load it, with the bundle's libraries first:
  // that proves the SEA blob survived patchelf.
  const out = execFileSync(interpreter, ['--library-path', lib, bundled, '--version'], { env: {} }).toString();
  if (!out.startsWith('jobdone ')) throw new Error(`bundle: the patched executable does not run jobdone: ${JSON.stringify(out)}`);
  const bytes = libraries.reduce((sum, [soname]) => sum + statSync(join(lib, soname)).size, statSync(bundled).size);
  return { files: libraries.length + 2, bytes };
}
