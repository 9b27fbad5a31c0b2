// What an outer jobdone tells a jobdone that runs as its job (an image's ENTRYPOINT repeated in
// the command, a script that runs jobdone): the outer's --skip, which the inner adds to its own,
// so that neither signals what the other was told to leave alone. Only a restriction travels
// this way: a variable that anyone can set can make jobdone touch less, never more.

/** Set by jobdone in its job's environment when it has a --skip: that pattern's source. */
export const outerSkipVariable = 'JOBDONE_OUTER_SKIP';

/** The job's environment: jobdone's own, plus the outer skip when there is one (nothing changes otherwise). */
export function environmentForJob(env: NodeJS.ProcessEnv, skip: RegExp | undefined): NodeJS.ProcessEnv | undefined {
  return skip === undefined ? undefined : { ...env, [outerSkipVariable]: skip.source };
}
