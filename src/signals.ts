// Signals as users write them (TERM, sigterm, SIGTERM, 15) and as the kernel numbers them; used
// by the configuration parser, the job, the readiness wait and sidecar mode.

// node:os is loaded on first use: a run with the default signals never needs a number (0.2 ms
// of every start, measured; test/perf/start-modules.test.ts).
let table: Readonly<Record<string, number>> | undefined;
const numbers = (): Readonly<Record<string, number>> => (table ??= process.getBuiltinModule('node:os').constants.signals as Readonly<Record<string, number>>);

/** 'TERM', 'sigterm', 'SIGTERM' or '15' -> 'TERM'; undefined when no such signal. */
export function parseSignal(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return signalName(Number(trimmed));
  const name = trimmed.toUpperCase().replace(/^SIG/, '');
  return numbers()[`SIG${name}`] !== undefined ? name : undefined;
}

export function signalNumber(name: string): number {
  const n = numbers()[name.startsWith('SIG') ? name : `SIG${name}`];
  if (n === undefined) throw new Error(`unknown signal ${name}`);
  return n;
}

export function signalName(n: number): string | undefined {
  for (const [name, value] of Object.entries(numbers())) {
    if (value === n && name !== 'SIGIOT' && name !== 'SIGPOLL' && name !== 'SIGUNUSED') return name.slice(3);
  }
  return undefined;
}
