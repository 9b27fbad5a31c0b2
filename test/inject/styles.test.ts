// The text edit must mean the same whatever the style of the input: every golden input,
// printed again all in flow style, with flush block lists, and with CRLF line ends, gives
// output that Kubernetes reads exactly as the golden output (same values), and that inject
// leaves as it is when run again.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Document, parseAllDocuments, visit } from 'yaml';
import { fixturesDir, inject } from './harness.ts';

/** Volumes and volume mounts are sets keyed by name (a new one may go first or last); init containers keep their order. */
function canonical(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => canonical(item));
    return key === 'volumes' || key === 'volumeMounts' ? items.sort((a, b) => String((a as { name?: string }).name).localeCompare(String((b as { name?: string }).name))) : items;
  }
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, canonical(item, name)]));
}

const values = (text: string): unknown[] => parseAllDocuments(text, { merge: true }).map((doc) => canonical(doc.toJS())).filter((value) => value !== null);

function restyle(text: string, how: 'flow' | 'flush' | 'crlf'): string {
  if (how === 'crlf') return text.replace(/\r?\n/g, '\r\n');
  return parseAllDocuments(text).map((parsed) => {
    const doc = new Document(parsed.toJS());
    if (how === 'flow') visit(doc, { Map: (_, map) => { map.flow = true; }, Seq: (_, seq) => { seq.flow = true; } });
    return doc.toString({ indentSeq: how !== 'flush', lineWidth: 60 });
  }).join('---\n');
}

const cases = readdirSync(fixturesDir).filter((name) => !existsSync(join(fixturesDir, name, 'input.json'))).sort();

describe('the same edit in every style', () => {
  for (const name of cases) {
    for (const how of ['flow', 'flush', 'crlf'] as const) {
      it(`${name}, ${how}: the output means what the golden output means, and inject leaves it as it is`, async () => {
        const dir = join(fixturesDir, name);
        const args = JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[];
        const input = restyle(readFileSync(join(dir, 'input.yaml'), 'utf8'), how);
        const result = await inject(args, input);
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(values(result.stdout), values(readFileSync(join(dir, 'expected.yaml'), 'utf8')));
        if (how === 'crlf') assert.doesNotMatch(result.stdout, /[^\r]\n/, 'CRLF only');
        const again = await inject(args, result.stdout);
        assert.equal(again.stdout, result.stdout);
      });
    }
  }
});
