/**
 * What an agent CLI needs to run inside the sandbox, and what is missing for it: the program
 * (in the image or the tools volume), network access to its API, and a way to authenticate.
 * Checked before the agent starts, so the person reads what to change instead of an obscure
 * failure. The recommended way to authenticate is a network credential: the host proxy adds
 * the key to the agent's API requests, so the key never enters the container.
 */
import { expandPresets } from '../network/presets';
import { compileRules, decideNormalized, normalizeHost } from '../network/rules';
import type { Policy } from '../policy';

export interface KnownAgent {
  readonly apiHosts: readonly string[];
  readonly keyVariables: readonly string[];
  /** The network preset that allows its API, when there is one. */
  readonly preset?: 'anthropic' | 'openai';
  /** How its API takes the key: the header the host proxy sets (from `keyVariables[0]`). */
  readonly keyHeader: { readonly header: string; readonly prefix?: string };
}

export const KNOWN_AGENTS: Readonly<Record<string, KnownAgent>> = {
  claude: { apiHosts: ['api.anthropic.com'], keyVariables: ['ANTHROPIC_API_KEY'], preset: 'anthropic', keyHeader: { header: 'x-api-key' } },
  codex: {
    apiHosts: ['api.openai.com'],
    keyVariables: ['OPENAI_API_KEY'],
    preset: 'openai',
    keyHeader: { header: 'Authorization', prefix: 'Bearer ' },
  },
};

/**
 * What the container holds in place of a key the proxy injects. Agent CLIs refuse to start
 * without a key in their variable; this value is no secret, and the proxy replaces the
 * header it ends up in with the real one.
 */
export const KEY_PLACEHOLDER = 'agent-sandbox-placeholder-the-host-proxy-adds-the-key';

/** The agent a command line starts, by its program's name. */
export function knownAgentOf(argv: readonly string[]): { name: string; agent: KnownAgent } | undefined {
  const program = argv[0]?.split('/').pop();
  return program && KNOWN_AGENTS[program] ? { name: program, agent: KNOWN_AGENTS[program] } : undefined;
}

/** The network credential that gives an agent its key from the host (for network.credentials). */
export function agentCredentialSpec(agent: KnownAgent): { domain: string; header: string; env: string; prefix?: string } {
  return {
    domain: agent.apiHosts[0]!,
    header: agent.keyHeader.header,
    env: agent.keyVariables[0]!,
    ...(agent.keyHeader.prefix ? { prefix: agent.keyHeader.prefix } : {}),
  };
}

/**
 * Placeholder key variables for the agents whose API host has a network credential, added to
 * the container's environment so the agent starts; never a real value.
 */
export function keyPlaceholders(credentials: readonly { readonly domain: string }[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const agent of Object.values(KNOWN_AGENTS)) {
    if (credentials.some((c) => agent.apiHosts.includes(c.domain.toLowerCase()))) env[agent.keyVariables[0]!] = KEY_PLACEHOLDER;
  }
  return env;
}

/**
 * The network settings with what the agent needs added: allowlist mode, its preset, and the
 * credential read from its key variable on the host. Nothing is removed.
 */
export function networkWithAgentAccess(network: Policy['network'], agent: KnownAgent): Policy['network'] {
  const spec = agentCredentialSpec(agent);
  const hasCredential = network.credentials.some((c) => c.domain === spec.domain && c.header.toLowerCase() === spec.header.toLowerCase());
  return {
    ...network,
    mode: 'allowlist',
    presets: agent.preset && !network.presets.includes(agent.preset) ? [...network.presets, agent.preset] : network.presets,
    credentials: hasCredential ? network.credentials : [...network.credentials, spec],
  };
}

function reachable(host: string, network: Policy['network']): boolean {
  if (network.mode === 'none') return false;
  const rules = compileRules({
    allow: [...expandPresets(network.presets), ...network.allow],
    deny: network.deny,
    unlisted: network.unlisted,
  });
  // "ask" is reachable too: the editor puts the host to the person when the agent calls it.
  return decideNormalized(rules, normalizeHost(host)!, 443).verdict !== 'deny';
}

export interface MissingForAgent {
  readonly what: 'program' | 'network' | 'credentials';
  readonly message: string;
}

/** Everything the agent lacks in this sandbox; empty when it can start. */
export function missingForAgent(
  argv: readonly string[],
  policy: Pick<Policy, 'network' | 'envAllowlist' | 'image'>,
  programFound: boolean,
  hostEnv: NodeJS.ProcessEnv = process.env,
): MissingForAgent[] {
  const missing: MissingForAgent[] = [];
  const program = argv[0] ?? '';
  const known = knownAgentOf(argv);
  if (!programFound) {
    const install = known ? known.name : '<npm package>';
    missing.push({
      what: 'program',
      message: `"${program}" is not installed in the sandbox: neither the image (${policy.image}) nor the tools volume has it. Install it into the tools volume ("Install" here, or \`agent-sandbox tools install ${install}\`), or use an image that has it (the policy's "image").`,
    });
  }
  if (!known) return missing;
  const unreachable = known.agent.apiHosts.filter((h) => !reachable(h, policy.network));
  if (unreachable.length) {
    const how =
      policy.network.mode === 'none'
        ? 'the sandbox has no network (network.mode is "none")'
        : `the network allowlist does not include ${unreachable.join(', ')}`;
    missing.push({
      what: 'network',
      message: `${known.name} needs to reach ${unreachable.join(', ')}, but ${how}. Set network.mode to "allowlist" and allow ${unreachable.join(', ')}${known.agent.preset ? ` (the "${known.agent.preset}" preset)` : ''} in your Agent Sandbox settings.`,
    });
  }
  const spec = agentCredentialSpec(known.agent);
  const credential = policy.network.credentials.find((c) => known.agent.apiHosts.includes(c.domain.toLowerCase()));
  const passedIn = known.agent.keyVariables.filter((v) => policy.envAllowlist.includes(v) && hostEnv[v]);
  if (credential && !hostEnv[credential.env]) {
    missing.push({
      what: 'credentials',
      message: `${known.name}'s key comes from the network credential for ${credential.domain}, which reads ${credential.env} on this machine, but ${credential.env} is not set. Set it in the environment VS Code or the CLI starts from.`,
    });
  } else if (!credential && !passedIn.length) {
    missing.push({
      what: 'credentials',
      message: `${known.name} has no API key in the sandbox. Add the network credential ${JSON.stringify(spec)} to network.credentials in your Agent Sandbox settings and set ${spec.env} on this machine: the host proxy then adds the key to ${spec.domain} requests, and the key never enters the sandbox. Or log in inside the sandbox terminal.`,
    });
  }
  return missing;
}
