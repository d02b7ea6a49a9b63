/**
 * What an agent CLI needs to run inside the sandbox, and what is missing for it: the program
 * in the image, network access to its API, and a way to authenticate. Checked before the
 * agent starts, so the person reads what to change instead of an obscure failure.
 */
import type { Policy } from '../policy';

export interface KnownAgent {
  readonly apiHosts: readonly string[];
  readonly keyVariables: readonly string[];
  /** The network preset that allows its API, when there is one. */
  readonly preset?: string;
}

export const KNOWN_AGENTS: Readonly<Record<string, KnownAgent>> = {
  claude: { apiHosts: ['api.anthropic.com'], keyVariables: ['ANTHROPIC_API_KEY'], preset: 'anthropic' },
  codex: { apiHosts: ['api.openai.com'], keyVariables: ['OPENAI_API_KEY'], preset: 'openai' },
};

/** The agent a command line starts, by its program's name. */
export function knownAgentOf(argv: readonly string[]): { name: string; agent: KnownAgent } | undefined {
  const program = argv[0]?.split('/').pop();
  return program && KNOWN_AGENTS[program] ? { name: program, agent: KNOWN_AGENTS[program] } : undefined;
}

function hostAllowed(host: string, rules: readonly string[]): boolean {
  return rules.some((rule) => {
    const name = rule.replace(/:\d+$/, '').toLowerCase();
    return name === host || (name.startsWith('*.') && host.endsWith(name.slice(1)));
  });
}

export interface MissingForAgent {
  readonly what: 'program' | 'network' | 'credentials';
  readonly message: string;
}

/** Everything the agent lacks in this sandbox; empty when it can start. */
export function missingForAgent(argv: readonly string[], policy: Pick<Policy, 'network' | 'envAllowlist' | 'image'>, programFound: boolean): MissingForAgent[] {
  const missing: MissingForAgent[] = [];
  const program = argv[0] ?? '';
  if (!programFound) {
    missing.push({
      what: 'program',
      message: `"${program}" is not installed in the sandbox image (${policy.image}). Use an image that has it (the policy's "image"), or install it in the sandbox first.`,
    });
  }
  const known = knownAgentOf(argv);
  if (!known) return missing;
  const unreachable = known.agent.apiHosts.filter((h) => policy.network.mode === 'none' || !hostAllowed(h, policy.network.allow) || hostAllowed(h, policy.network.deny));
  if (unreachable.length) {
    const how = policy.network.mode === 'none' ? 'the sandbox has no network (network.mode is "none")' : `the network allowlist does not include ${unreachable.join(', ')}`;
    missing.push({
      what: 'network',
      message: `${known.name} needs to reach ${unreachable.join(', ')}, but ${how}. Set network.mode to "allowlist" and allow ${unreachable.join(', ')}${known.agent.preset ? ` (the "${known.agent.preset}" preset)` : ''} in your Agent Sandbox settings.`,
    });
  }
  const keys = known.agent.keyVariables.filter((v) => !policy.envAllowlist.includes(v));
  if (keys.length === known.agent.keyVariables.length) {
    missing.push({
      what: 'credentials',
      message: `${known.name} has no credentials in the sandbox: ${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} not passed in (the policy's envAllowlist). Pass ${keys.length === 1 ? 'it' : 'one'}, or log in inside the sandbox terminal.`,
    });
  }
  return missing;
}
