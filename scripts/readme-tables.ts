// The README's generated tables: the configuration table from src/config/options.ts (regenerate
// it with: node --import tsx scripts/readme-tables.ts --write), and the presets table of
// docs/meshes.md from src/config/presets.ts (test/cli/readme.test.ts checks it is there).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envName, optionSpecs } from '../src/config/options.ts';
import { presetTable } from '../src/config/presets.ts';

export const readmePath = join(fileURLToPath(new URL('..', import.meta.url)), 'README.md');
const start = '<!-- options-table:start -->';
const end = '<!-- options-table:end -->';

export function optionsTable(): string {
  const rows = optionSpecs.filter((spec) => !spec.noEnv).map((spec) => {
    const flag = `\`--${spec.name}${spec.metavar ? ` ${spec.metavar}` : ''}\`${spec.short ? ` (\`-${spec.short}\`)` : ''}`;
    const where = spec.for.filter((s) => s !== 'run').map((s) => `\`${s}\``);
    const also = where.length === 0 ? '' : spec.for.includes('run') ? ` Also for ${where.join(', ')}.` : ` Only for ${where.join(', ')}.`;
    return `| ${flag} | \`${envName(spec)}\` | ${spec.defaultText ? `\`${spec.defaultText}\`` : ''} | ${spec.help.replace(/\|/g, '\\|')}.${also} |`;
  });
  return ['| option | variable | default | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** The presets table of docs/meshes.md (test/cli/readme.test.ts checks it holds exactly this). */
export function presetsMarkdown(): string {
  const rows = presetTable().map((row) => `| \`${row.name}\` | ${row.sidecar} | \`${row.wait}\` | \`${row.shutdown}\` | \`${row.signal}\` | ${row.note} |`);
  return ['| preset | sidecar | waits for | shutdown call | signal fallback | needs |', '|---|---|---|---|---|---|', ...rows.map((r) => r.replace(/`-`/g, '-'))].join('\n');
}

export function readmeWithTable(readme: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
  return `${readme.slice(0, from + start.length)}\n${optionsTable()}\n${readme.slice(to)}`;
}

if (process.argv.includes('--write')) {
  writeFileSync(readmePath, readmeWithTable(readFileSync(readmePath, 'utf8')));
}
