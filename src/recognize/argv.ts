// Small readers of a process's argv for the recognition rules: flag values as Go's flag package,
// cobra/pflag and clap accept them (`-name=v`, `-name v`, `--name=v`, `--name v`), and durations.
import type { SeenProcess } from './seen.ts';

/** The value of the first of `names` (without dashes) in argv, or undefined. */
export function flagValue(argv: readonly string[], ...names: string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return undefined; // what follows is another program's argv
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (match === null || !names.includes(match[1]!)) continue;
    return match[2] ?? argv[i + 1];
  }
  return undefined;
}

/** A boolean flag: present bare or `=true`/`=1`; `=false` and absence are false. */
export function flagSet(argv: readonly string[], ...names: string[]): boolean {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return false;
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (match === null || !names.includes(match[1]!)) continue;
    const value = match[2];
    return value === undefined || value === 'true' || value === '1';
  }
  return false;
}

/** A port number from a flag's value (`9091`, `127.0.0.1:9091`, `[::]:9091`), else the default. */
export function portFlag(argv: readonly string[], fallback: number, ...names: string[]): number {
  const value = flagValue(argv, ...names);
  const port = Number(value?.slice(value.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : fallback;
}

/** Go duration text (`30s`, `1m30s`, `500ms`) or bare seconds when `bareUnit` is 's', in ms. */
export function durationMs(text: string | undefined, bareUnit?: 's'): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) return bareUnit === 's' ? Number(text) * 1000 : undefined;
  // Go's units, both micro signs included (U+00B5 and Greek U+03BC, as time.ParseDuration takes).
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, '\u00b5s': 0.001, '\u03bcs': 0.001, ns: 0.000001 };
  let total = 0;
  let rest = text;
  while (rest !== '') {
    // Escapes, not the characters: the bundle must stay ASCII (scripts/build.mjs, nonAsciiIn).
    const match = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|\u00b5s|\u03bcs|ns)/.exec(rest);
    if (match === null) return undefined;
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

/**
 * The program is `name` itself: its comm (the kernel keeps the first 15 bytes of the executable's
 * file name) and argv[0]'s base name both say so. A script named like it but run by an
 * interpreter shows the interpreter in argv[0]; a copy under another name shows another comm.
 */
export function isProgram(p: SeenProcess, name: string): boolean {
  return p.comm === name.slice(0, 15) && p.program === name;
}
