// What npm test skipped, told once at the end of the run (scripts/test.sh).
//
// As a node:test reporter (--test-reporter=./scripts/test-skips.mjs, beside spec) it writes one
// JSON line per skipped test or suite: file, name, reason. Run as a program on those files it
// prints the summary: the skips grouped by the command that makes them run (the "(to run:
// COMMAND)" that test/helpers/skip.ts ends every reason with), then the one command that installs
// everything they need. Skips without such a command are by design (a case that applies to the
// other build, a machine that is not the node's PID namespace) and listed apart.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export default async function* skips(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, name, file } = event.data;
    if (skip === undefined || skip === false) continue;
    yield `${JSON.stringify({ file: file === undefined ? '' : relative(process.cwd(), file), name, reason: skip === true ? 'skipped' : String(skip) })}\n`;
  }
}

/** The summary's lines for skip records ({ file, name, reason }), a pure function of them. */
export function summary(records) {
  const groups = new Map();
  for (const { file, name, reason } of records) {
    const match = /^(.*) \(to run: (.+)\)$/s.exec(reason);
    const key = match === null ? '' : match[2];
    const group = groups.get(key) ?? { tests: new Set(), reasons: new Set() };
    group.tests.add(`${file}\0${name}`);
    group.reasons.add(match === null ? reason : match[1]);
    groups.set(key, group);
  }
  const fixable = [...groups.keys()].filter((key) => key !== '').sort();
  const count = (group) => `${group.tests.size} ${group.tests.size === 1 ? 'test or suite' : 'tests and suites'}`;
  const lines = [];
  if (fixable.length === 0) lines.push('== skipped: nothing for want of anything on this machine');
  else lines.push(`== skipped: what this machine cannot run (${fixable.length} ${fixable.length === 1 ? 'group' : 'groups'})`);
  for (const key of fixable) {
    const group = groups.get(key);
    lines.push(`   ${count(group)}: ${[...group.reasons].join('; ')}`);
    lines.push(`      to run them: ${key}`);
  }
  const byDesign = groups.get('');
  if (byDesign !== undefined) lines.push(`   and ${count(byDesign)} by design in this run (not about this machine): ${[...byDesign.reasons].join('; ')}`);
  const installs = fixable.flatMap((key) => /^sh scripts\/install-test-deps\.sh (.+)$/.exec(key)?.[1].split(' ') ?? []);
  if (installs.length > 0) lines.push(`== to run everything: sh scripts/install-test-deps.sh ${[...new Set(installs)].join(' ')} (as root, Debian or Ubuntu; what .ci/run installs), then npm test`);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = process.argv.slice(2).flatMap((path) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)));
  process.stdout.write(`${summary(records).join('\n')}\n`);
}
