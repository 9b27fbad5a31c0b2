// inject edits the text: on documents in flow style, with CRLF line ends, folded and literal
// strings, aligned comments and trailing blank lines, the only input lines that are removed
// or changed are the command lines of the wrapped container (a line diff, computed here as
// the longest common subsequence of the lines). Everything else inject does is added lines.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { fixturesDir, inject } from './harness.ts';

/** Indexes (0-based) of `before`'s lines that are not in a longest common subsequence with `after`. */
export function removedLines(before: readonly string[], after: readonly string[]): number[] {
  const n = before.length;
  const m = after.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) table[i]![j] = before[i] === after[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  }
  const removed: number[] = [];
  let i = 0;
  let j = 0;
  while (i < n) {
    if (j < m && before[i] === after[j]) { i++; j++; } else if (j < m && table[i]![j + 1]! >= table[i + 1]![j]!) j++; else removed.push(i++);
  }
  return removed;
}

/** The 0-based lines from a container's `command:` key to the end of its value. */
function commandLines(source: string, container: string): Set<number> {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines });
  const containers = doc.getIn(['spec', 'template', 'spec', 'containers'], true) as Node;
  assert.ok(isSeq(containers));
  const main = containers.items.find((item) => isMap(item) && item.get('name') === container);
  assert.ok(isMap(main));
  const pair = main.items.find((item) => isScalar(item.key) && item.key.value === 'command') as Pair<Node, Node>;
  const first = lines.linePos(pair.key.range![0]).line - 1;
  const last = lines.linePos(pair.value!.range![1] - 1).line - 1;
  return new Set(Array.from({ length: last - first + 1 }, (_, index) => first + index));
}

const cases: Array<[fixture: string, container: string]> = [
  ['style-flow', 'main'],
  ['style-crlf', 'main'],
  ['style-folded-comments', 'report'],
  ['comments', 'backup'],
  ['job-init', 'main'],
  ['json', 'export'],
];

describe('inject changes only the command lines of the wrapped container', () => {
  for (const [fixture, container] of cases) {
    it(`${fixture}: every other input line is still there, in order, byte for byte`, async () => {
      const dir = join(fixturesDir, fixture);
      const input = readFileSync(join(dir, existsSync(join(dir, 'input.json')) ? 'input.json' : 'input.yaml'), 'utf8');
      const result = await inject(JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[], input);
      assert.equal(result.code, 0, result.stderr);
      // Split after each \n so that a CRLF line compares with its \r, and a lost final blank line counts.
      const split = (text: string): string[] => text.split(/(?<=\n)/);
      const removed = removedLines(split(input), split(result.stdout));
      const allowed = commandLines(input, container);
      assert.deepEqual(removed.filter((line) => !allowed.has(line)).map((line) => split(input)[line]), []);
      assert.ok(removed.length <= allowed.size);
      if (input.includes('\r\n')) assert.equal(result.stdout.replaceAll('\r\n', '').includes('\n'), false, 'a CRLF document gets CRLF lines only');
    });
  }

  it('the line diff sees a changed, a removed and a re-indented line (the check can fail)', () => {
    assert.deepEqual(removedLines(['a\n', 'b\n', 'c\n', 'd\n'], ['a\n', 'B\n', 'c\n', '  d\n', 'e\n']), [1, 3]);
    assert.deepEqual(removedLines(['a\n', '\n'], ['a\n']), [1]);
  });
});
