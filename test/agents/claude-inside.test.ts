/**
 * Claude Code running INSIDE the sandbox, the way "Run Agent in Sandbox" runs it:
 *   1. `installTool` puts the real Claude Code (the version the other agent tests pin) into a
 *      tools volume, with npm running in the hardened installer container and reaching the
 *      npm registry this machine is configured with through the egress proxy (npm preset);
 *   2. a session with network mode "allowlist", the "anthropic" preset and the network
 *      credential for api.anthropic.com (read from ANTHROPIC_API_KEY on the host) mounts the
 *      volume read-only; `IS_SANDBOX=1 claude -p ... --dangerously-skip-permissions` runs in
 *      it, against its default API address https://api.anthropic.com;
 *   3. the proxy's resolver maps api.anthropic.com to the scripted Anthropic server, which
 *      serves TLS at port 443 of a loopback address of its own (the preset opens port 443
 *      only) with a certificate of a CA that stands in for a public one.
 * Checked: the key the server receives is the host's, added by the proxy, while the
 * container's environment holds only the placeholder; the agent's Write and Bash edits land
 * in the copy and show up in the airlock's change set, and the real workspace is untouched.
 *
 * The tools volume is kept between runs (AGENT_SANDBOX_TOOLS_VOLUME names a volume of the
 * tests): a second run finds Claude Code there and npm only confirms it, which keeps the test
 * short when warm. The first run downloads it (about 100 MB).
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe } from 'node:test';
import { installTool } from '../../src/core/agentTools/install';
import { connectEngine } from '../../src/core/engine/connection';
import { hostNpmRegistry } from '../../src/core/agentTools/registry';
import { classifyAddress } from '../../src/core/network/addresses';
import type { Resolver } from '../../src/core/network/gate';
import { readNetworkLog } from '../../src/core/network/log';
import { openSessionNetwork, type SessionNetwork } from '../../src/core/network/sessionNetwork';
import { createTlsAuthority, type TlsAuthority } from '../../src/core/network/tlsAuthority';
import type { Policy } from '../../src/core/policy';
import { sessionExtraEnv } from '../../src/core/session/network';
import { startSession } from '../../src/core/session/lifecycle';
import { SandboxSession } from '../../src/core/session/session';
import { resolveUser } from '../../src/core/session/workspace';
import { agentCredentialSpec, KEY_PLACEHOLDER, KNOWN_AGENTS } from '../../src/core/tools/agentLaunch';
import { disposeStateRoot } from '../integration/support/battery';
import { isolateState, makeWorkspace, REPO_ROOT, testPolicy } from '../integration/support/sandbox';
import { startAnthropicServer, type AnthropicServer } from './support/anthropicServer';
import type { ScriptTurn } from './support/scriptedServer';
import { provesRoute } from './support/routes';

const API_HOST = 'api.anthropic.com';
const SECRET = `sk-ant-host-only-${randomBytes(12).toString('hex')}`;

/** The Claude Code version the other agent tests pin (one pin, in .ci/ensure-agent-clis). */
function pinnedClaudeVersion(): string {
  if (process.env.CLAUDE_CODE_VERSION) return process.env.CLAUDE_CODE_VERSION;
  const script = fs.readFileSync(path.join(REPO_ROOT, '.ci', 'ensure-agent-clis'), 'utf8');
  const m = /CLAUDE_CODE_VERSION="\$\{CLAUDE_CODE_VERSION:-([^}]+)\}"/.exec(script);
  assert.ok(m, 'the Claude Code pin in .ci/ensure-agent-clis');
  return m[1]!;
}

/**
 * Allow rules that let the registry's name resolve where this machine's resolver sends it.
 * Some networks map the public registry to a mirror at a non-public address; the proxy
 * refuses such an address unless an allow rule lists it, which is what a person on that
 * network writes too.
 */
async function registryAddressRules(registry: string): Promise<string[]> {
  const found = await dns.promises.lookup(new URL(registry).hostname, { all: true });
  return found.filter((a) => classifyAddress(a.address) !== 'public').map((a) => a.address);
}

const SCRIPT: ScriptTurn[] = [
  { tool: 'Write', input: { file_path: '/workspace/written-by-claude.txt', content: 'made by Claude Code inside the sandbox\n' } },
  {
    tool: 'Bash',
    input: {
      command: 'echo "from the Bash tool" > bash-made.txt && printf "%s\\n" "$(id -u)" >> bash-made.txt',
      description: 'Write a file',
    },
  },
  { text: 'Done.' },
];

describe('Claude Code inside the sandbox, installed into the tools volume, key added by the host proxy', () => {
  let stateDir: string;
  let workspace: string;
  let policy: Policy;
  let publicCa: TlsAuthority;
  let model: AnthropicServer;
  let network: SessionNetwork | undefined;
  let session: SandboxSession | undefined;
  let logFile: string;
  let installMs = 0;

  before(async () => {
    ({ stateDir } = isolateState());
    process.env.AGENT_SANDBOX_TOOLS_VOLUME = `agent-sandbox-tools-test-claude-${process.getuid?.() ?? 0}`;
    workspace = makeWorkspace({ 'README.md': 'a workspace for Claude Code in the sandbox\n' });
    const registry = hostNpmRegistry();
    const claude = KNOWN_AGENTS.claude!;
    const base = testPolicy();
    policy = testPolicy({
      network: {
        ...base.network,
        mode: 'allowlist',
        presets: ['anthropic'],
        allow: await registryAddressRules(registry),
        credentials: [agentCredentialSpec(claude)],
      },
    });

    const started = Date.now();
    const installed = await installTool({ what: `claude@${pinnedClaudeVersion()}`, policy, registry, timeoutSec: 900 });
    installMs = Date.now() - started;
    assert.match(installed.output, new RegExp(`${pinnedClaudeVersion().replace(/\./g, '\\.')} \\(Claude Code\\)`), installed.output);

    // The scripted API at port 443 of a loopback address of its own, so that parallel runs
    // on one machine do not meet, under a certificate of a stand-in public CA.
    const address = `127.${1 + (process.pid % 250)}.${randomBytes(1)[0]! % 250}.${1 + (randomBytes(1)[0]! % 250)}`;
    publicCa = await createTlsAuthority(path.join(stateDir, '..', 'public-ca'), [API_HOST]);
    model = await startAnthropicServer(SCRIPT, { host: address, port: 443, tls: await publicCa.leafFor(API_HOST) });
    const resolver: Resolver = async (name) => {
      if (name === API_HOST) return [{ address, family: 4 }];
      throw Object.assign(new Error(`${name} is not mapped in this test`), { code: 'ENOTFOUND' });
    };
    logFile = path.join(stateDir, '..', 'network.jsonl');
    network = await openSessionNetwork({
      network: policy.network,
      netDir: path.join(stateDir, '..', 'net'),
      tlsKeyDir: path.join(stateDir, '..', 'net-tls'),
      logFile,
      sandboxUser: resolveUser(policy).user,
      // The host's environment: where the credential's secret is read from.
      env: { ...process.env, ANTHROPIC_API_KEY: SECRET },
      resolver,
      allowAddressesForTesting: [address],
      upstreamCaForTesting: [publicCa.certPem],
    });
    ({ session } = await startSession({
      workspaceRoot: workspace,
      policy,
      extraMounts: network.additions.extraMounts,
      extraEnv: sessionExtraEnv(policy, network),
    }));
    await session.serveNetwork(network);
  });

  after(async () => {
    await session?.destroy().catch(() => undefined);
    await network?.close();
    await model?.close();
    publicCa?.dispose();
    if (stateDir) disposeStateRoot(stateDir);
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  provesRoute(
    'claude',
    'inside',
    'runs the installed claude; its edits land in the copy and in review; the key never enters the container',
    async (t) => {
      t.diagnostic(`install into the tools volume took ${installMs} ms`);
      const s = session!;
      // The tools volume is on PATH and read-only in the session.
      const which = await s.run(['/bin/sh', '-c', 'command -v claude; touch /opt/agent-tools/x 2>&1; true'], { timeoutSec: 30 });
      assert.match(which.stdout.toString(), /^\/opt\/agent-tools\/bin\/claude$/m);
      assert.match(which.stdout.toString(), /Read-only file system/);

      const run = await s.run(
        [
          'env',
          'IS_SANDBOX=1',
          'DISABLE_AUTOUPDATER=1',
          'DISABLE_TELEMETRY=1',
          'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1',
          'claude',
          '-p',
          'Follow the plan.',
          '--dangerously-skip-permissions',
          '--output-format',
          'json',
        ],
        { timeoutSec: 120 },
      );
      const described = `exit ${run.exitCode}\nstdout: ${run.stdout.toString().slice(-2000)}\nstderr: ${run.stderr.toString().slice(-2000)}`;
      assert.equal(run.exitCode, 0, described);
      const results = model.toolResults();
      assert.equal(results.length, 2, `two tool results: ${JSON.stringify(results)}\n${described}`);
      for (const r of results) assert.equal(r.isError, false, `a tool call failed: ${r.text}\n${described}`);

      // The key: every API request carried the host's secret, put there by the proxy; the agent
      // itself only ever had the placeholder.
      const apiRequests = model.requests.filter((r) => r.path.startsWith('/v1/messages'));
      assert.ok(model.mainRequests().length >= 3, `the agent's conversation reached the scripted API (${model.requests.length} requests)`);
      for (const r of apiRequests) {
        assert.equal(r.headers['x-api-key'], SECRET, `request ${r.method} ${r.path} without the host's key`);
        assert.equal(r.headers.authorization, undefined, 'no other credential header');
      }
      const log = readNetworkLog(logFile).filter((l) => l.host === API_HOST);
      assert.ok(
        log.some((l) => l.decision === 'allow' && (l.injected ?? []).map((h) => h.toLowerCase()).includes('x-api-key')),
        `the proxy logged the injected key header: ${JSON.stringify(log)}`,
      );

      const inspected = await (await connectEngine()).docker.getContainer(s.containerId).inspect();
      const env = inspected.Config.Env ?? [];
      assert.ok(!env.some((e) => e.includes(SECRET)), 'the secret is not in the container configuration');
      assert.ok(env.includes(`ANTHROPIC_API_KEY=${KEY_PLACEHOLDER}`), 'the placeholder is');
      const inside = await s.run(
        [
          '/bin/sh',
          '-c',
          'env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"; grep -rl -- "$1" /home/sandbox /tmp 2>/dev/null; true',
          'probe',
          SECRET,
        ],
        { timeoutSec: 30 },
      );
      assert.ok(!inside.stdout.toString().includes(SECRET), 'the secret is nowhere in the container: environment, home or /tmp');

      // The edits: in the copy, in the airlock's change set, not in the real workspace.
      const changes = await s.airlock().changes();
      const written = changes.get('written-by-claude.txt');
      const bashMade = changes.get('bash-made.txt');
      assert.ok(
        written && written.kind === 'added',
        `Write's file is a pending change: ${changes.entries.map((e) => `${e.kind} ${e.path}`).join(', ')}`,
      );
      assert.ok(bashMade && bashMade.kind === 'added', "the Bash tool's file is a pending change");
      const copy = await s.run(['cat', 'written-by-claude.txt', 'bash-made.txt'], { timeoutSec: 30 });
      assert.equal(
        copy.stdout.toString(),
        `made by Claude Code inside the sandbox\nfrom the Bash tool\n${resolveUser(policy).user.split(':')[0]}\n`,
      );
      assert.ok(
        !fs.existsSync(path.join(workspace, 'written-by-claude.txt')) && !fs.existsSync(path.join(workspace, 'bash-made.txt')),
        'the real workspace is untouched',
      );
    },
  );
});
