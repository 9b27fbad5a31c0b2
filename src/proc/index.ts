export type { ProcessInfo } from './process-info.ts';
export type { ProcFs } from './proc-fs.ts';
export { nodeProcFs } from './proc-fs.ts';
export { parseCmdline, parseRealUid, parseStat, type StatFields } from './parse.ts';
export { readProcess, readStatOnly, scanProcesses } from './scan.ts';
