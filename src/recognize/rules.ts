// The known sidecars, one rule each, in the order they are tried (the more specific first: Istio's
// envoy is a child of pilot-agent, so Istio and Consul are tried before plain Envoy). Facts and their sources:
// docs/meshes.md, "Recognised sidecars".
import type { Recognized } from './recognize.ts';
import { agentRules } from './rules-agents.ts';
import { meshRules } from './rules-mesh.ts';
import type { Seen } from './seen.ts';

export type Rule = (seen: Seen) => Recognized | undefined;

export const rules: readonly Rule[] = [...meshRules, ...agentRules];
