// Patterns from the user (--only, --skip, --native-sidecar, --stop-order) run on V8's
// linear-time engine (the `l` flag): a backtracking match of `(a+)+$` or `sleep.*infinity$`
// against a long command line held jobdone for hours after the job, stopping nothing. That engine
// is part of the Node that runs jobdone, so it needs no dependency (RE2 ports are native addons,
// which a single executable cannot load, or pure-JS engines 10x slower); it takes JavaScript
// syntax minus what cannot run in linear time (backreferences, lookaround, some quantified
// groups), and those patterns are refused here.
import { UsageError } from './usage-error.ts';

/** One pattern, checked; `where` names the option for the message (`--skip (JOBDONE_SKIP)`). */
export function userRegExp(text: string, where: string): RegExp {
  try {
    new RegExp(text);
  } catch (error) {
    throw new UsageError(`bad regular expression ${JSON.stringify(text)} for ${where}: ${(error as Error).message}`);
  }
  try {
    return linearTimeRegExp(text);
  } catch {
    throw new UsageError(`regular expression ${JSON.stringify(text)} for ${where} cannot be matched in linear time (backreferences and lookaround are not supported): write it without them`);
  }
}

/** Several patterns as one (any of them matches), each checked alone first. */
export function anyOf(texts: readonly string[], where: string): RegExp | undefined {
  if (texts.length === 0) return undefined;
  for (const text of texts) userRegExp(text, where);
  return linearTimeRegExp(texts.map((text) => `(?:${text})`).join('|'));
}

/** A pattern that matches where either does; each was checked alone, so neither can break out of its group. */
export function eitherPattern(a: RegExp | undefined, b: RegExp | undefined): RegExp | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return linearTimeRegExp(`(?:${a.source})|(?:${b.source})`);
}

/**
 * V8's --enable-experimental-regexp-engine is set on first use, with node:v8 loaded only then:
 * its require cost every start 2.1 ms. (Not in the executable's execArgv: a V8 flag there makes
 * V8 reject the code cache of Node's own modules, 14 ms a start; scripts/build.mjs.)
 */
function linearTimeRegExp(source: string): RegExp {
  try {
    return new RegExp(source, 'l');
  } catch (error) {
    if (linearEngineOn()) throw error;
    const v8 = process.getBuiltinModule('node:v8') as typeof import('node:v8');
    // Must be set before the first RegExp with the `l` flag is parsed; it changes nothing else.
    v8.setFlagsFromString('--enable-experimental-regexp-engine');
    return new RegExp(source, 'l');
  }
}

/** Whether the `l` flag is accepted (the engine is on): a pattern that failed then is refused for itself. */
function linearEngineOn(): boolean {
  try {
    new RegExp('', 'l');
    return true;
  } catch {
    return false;
  }
}
