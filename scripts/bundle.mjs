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
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export const installPath = '/jobdone';

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

/** Makes outDir (e.g. dist/bundle/jobdone) from the built SEA executable. */
export function makeBundle(exe, outDir) {
  const { interpreter, libraries } = linkedLibraries(exe);
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
