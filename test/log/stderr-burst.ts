// Run by logger.test.ts as its own process: a burst of log lines, then a line and process.exit()
// in the same run. Prints on stdout how many writes reached process.stderr.
import { writeToStderr } from '../../src/log/logger.ts';

let writes = 0;
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string) => {
  writes += 1;
  return write(chunk);
}) as typeof process.stderr.write;
for (let i = 1; i <= 50; i++) writeToStderr(`sent SIGTERM ${i}\n`);
// After the logger's own 'exit' listener, which the first line put in place.
process.on('exit', () => process.stdout.write(`${writes} writes\n`));
await Promise.resolve();
writeToStderr('last line before exit\n');
process.exit(3);
