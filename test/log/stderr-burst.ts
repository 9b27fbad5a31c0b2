// Run by logger.test.ts as its own process: a burst of log lines, then a line and process.exit()
// in the same run. Prints on stdout how many write(2)s reached fd 2.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

let writes = 0;
const writeSync = fs.writeSync;
fs.writeSync = ((fd: number, ...rest: unknown[]) => {
  if (fd === 2) writes += 1;
  return (writeSync as (...args: unknown[]) => number)(fd, ...rest);
}) as typeof fs.writeSync;
// The logger imports writeSync by name: make the named export the counting one before it loads.
syncBuiltinESMExports();
const { writeToStderr } = await import('../../src/log/logger.ts');

for (let i = 1; i <= 50; i++) writeToStderr(`sent SIGTERM ${i}\n`);
// After the logger's own 'exit' listener, which the first line put in place.
process.on('exit', () => process.stdout.write(`${writes} writes\n`));
await Promise.resolve();
writeToStderr('last line before exit\n');
process.exit(3);
