import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cleanEnv, runJobdone, target } from '../helpers/jobdone.ts';

it("NODE_OPTIONS is the job's: the built jobdone ignores it and passes it on unchanged", {
  skip: target === 'dist' ? undefined : 'only dist/jobdone isolates itself from NODE_OPTIONS; from the source jobdone is itself run by node, which reads it',
}, async () => {
  // A Node job image's preload: applied to jobdone it would fail before the job ever ran.
  const env = cleanEnv({ NODE_OPTIONS: '--require=/nonexistent/tracing.js --max-old-space-size=64' });
  const result = await runJobdone(['--quiet', '--', 'sh', '-c', 'printf %s "$NODE_OPTIONS"; exit 4'], { env });
  assert.equal(result.code, 4, result.stderr);
  assert.equal(result.stdout.toString(), '--require=/nonexistent/tracing.js --max-old-space-size=64');
  assert.equal(result.stderr, '');
});
