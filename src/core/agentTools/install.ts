/**
 * `agent-sandbox tools install`: installs an agent CLI (or any npm registry package) into
 * the person's tools volume, by running npm INSIDE a hardened, short-lived installer
 * container. Why a container of its own instead of the workspace's session:
 *   - the session keeps the tools volume read-only, so nothing an agent runs can change the
 *     programs later sessions start; only this container mounts it writable;
 *   - the installer sees no workspace at all, so a package's install scripts cannot touch
 *     the copy under review;
 *   - its network is the allowlist with the npm preset (plus the host of the registry the
 *     person's npm is configured with), through the same host proxy as sessions; nothing
 *     else is reachable, and a registry token stays on the host (network.credentials).
 * It has the sessions' hardening (verified after create, like a session's) and is removed
 * when the install ends, whatever the outcome.
 *
 * The images need node (as for the network forwarder), curl and tar; npm itself is fetched
 * from the registry at a pinned version and checked against its pinned checksum, so images
 * without npm (such as a debootstrap minbase) work and a registry cannot hand over another.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectEngine } from '../engine/connection';
import { engineDialect, proveHardeningInside } from '../engine/dialect';
import { runInContainer } from '../engine/exec';
import { hardenedCreateOptions, LABELS, SANDBOX_TOOLS_MOUNT, verifyHardening, type ContainerCreateOptions } from '../engine/hardening';
import { ensureImage } from '../engine/image';
import { SandboxError } from '../errors';
import { CONTAINER_NET_DIR } from '../network/container';
import { NETWORK_PRESETS } from '../network/presets';
import { parseRule } from '../network/rules';
import { openSessionNetwork, type SessionNetwork } from '../network/sessionNetwork';
import { stateRoot } from '../paths';
import { withResolvedRuntime } from '../engine/runtimes';
import type { Policy } from '../policy';
import { resolveUser } from '../session/workspace';
import { processAlive } from '../session/state';
import { toolPackageOf, type ToolPackage } from './packages';
import { hostNpmCaBundle, hostNpmRegistry, validRegistry } from './registry';
import { ensureToolsVolume } from './volume';

/**
 * The npm the installer runs. 10.9 supports Node 18.17 and later (Debian bookworm's node is
 * 18.19); the checksum is the registry's own `dist.integrity` of this version.
 */
export const INSTALLER_NPM = {
  version: '10.9.4',
  integrity: 'sha512-OnUG836FwboQIbqtefDNlyR0gTHzIfwRfE3DuiNewBvnMnWEpB0VEXwBlFVgqpNzIgYo/MHh3d2Hel/pszapAA==',
} as const;

const DEFAULT_TIMEOUT_SEC = 900;
const REGISTRY_CA_NAME = 'registry-ca.pem';
/** Exit codes of the script below for the failures it names itself. */
const EXIT_NOT_WRITABLE = 90;
const EXIT_NO_CURL = 91;
const EXIT_BAD_CHECKSUM = 92;

/**
 * Runs as the sandbox user: $1 registry, $2 npm version, $3 its integrity, $4 the program to
 * prove (or ""), $5 the CA bundle to trust for the registry (or ""), $6 the package's name, $7
 * its exact version (or ""; an install already at it is kept, so a repeat is quick), then the
 * npm specs. Every value is an argv element, never spliced into code.
 * The npm cache is in /tmp (a tmpfs of the container), so nothing but the install stays.
 */
const INSTALL_SCRIPT = `set -eu
registry=$1; npm_version=$2; integrity=$3; bin=$4; ca=$5; name=$6; exact=$7; shift 7
tools=${SANDBOX_TOOLS_MOUNT}
prove() {
  if [ -n "$bin" ]; then echo "agent-sandbox: $bin --version:" >&2; "$tools/bin/$bin" --version; fi
}
if [ -n "$exact" ] && [ "$(node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch {}' "$tools/lib/node_modules/$name/package.json")" = "$exact" ]; then
  echo "agent-sandbox: $name $exact is installed already." >&2
  prove
  exit 0
fi
if [ -n "$ca" ]; then export CURL_CA_BUNDLE="$ca" npm_config_cafile="$ca"; fi
if ! [ -w "$tools" ]; then
  echo "agent-sandbox: the tools volume ($tools) is not writable by the sandbox user $(id -u):$(id -g)." >&2
  exit ${EXIT_NOT_WRITABLE}
fi
npm_home="$tools/.agent-sandbox/npm-$npm_version"
if [ ! -f "$npm_home/bin/npm-cli.js" ]; then
  command -v curl >/dev/null 2>&1 || { echo "agent-sandbox: the sandbox image has no curl, which fetches npm." >&2; exit ${EXIT_NO_CURL}; }
  tmp=$(mktemp -d)
  echo "agent-sandbox: fetching npm $npm_version from $registry" >&2
  curl -fsS --retry 2 -o "$tmp/npm.tgz" "\${registry}npm/-/npm-$npm_version.tgz"
  node -e 'const c = require("crypto"), f = require("fs");
    const got = "sha512-" + c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64");
    if (got !== process.argv[2]) { console.error("agent-sandbox: the npm package from the registry does not match its pinned checksum (" + got + ")."); process.exit(${EXIT_BAD_CHECKSUM}); }' "$tmp/npm.tgz" "$integrity"
  mkdir -p "$tmp/npm" "$tools/.agent-sandbox"
  tar -xzf "$tmp/npm.tgz" -C "$tmp/npm" --strip-components=1
  rm -rf "$npm_home"
  mv "$tmp/npm" "$npm_home"
  rm -rf "$tmp"
fi
node "$npm_home/bin/npm-cli.js" install --global --prefix "$tools" --registry "$registry" --cache /tmp/npm-cache \\
  --no-audit --no-fund --no-update-notifier --loglevel=warn -- "$@"
prove
`;

export interface InstallToolOptions {
  /** `claude`, `codex`, or an npm registry spec. */
  readonly what: string;
  readonly policy: Policy;
  readonly env?: NodeJS.ProcessEnv;
  /** The registry; by default the one the person's npm uses (hostNpmRegistry). */
  readonly registry?: string;
  /** PEM certificates to trust for it; by default those the person's npm trusts (null: none). */
  readonly registryCaBundle?: string | null;
  readonly progress?: (message: string) => void;
  readonly onOutput?: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
  readonly timeoutSec?: number;
}

export interface InstallToolResult {
  readonly pkg: ToolPackage;
  readonly volume: string;
  readonly registry: string;
  readonly exitCode: number;
  readonly output: string;
  readonly durationMs: number;
}

/** The allow rules of the installer: the npm preset, and the configured registry's host. */
export function installerAllowRules(registry: string): string[] {
  const url = new URL(registry);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const npmHosts: readonly string[] = NETWORK_PRESETS.npm;
  if (npmHosts.includes(host) && !url.port) return [];
  return [url.port ? `${url.hostname}:${url.port}` : url.hostname];
}

/**
 * The person's allow rules that list addresses (IP literals and ranges). They open no names
 * (only those addresses, which the person allowed for sessions already); they say which
 * non-public addresses a name may resolve to, which a registry mirror on a private network
 * (or a network whose resolver maps the registry to such an address) needs.
 */
export function addressRules(allow: readonly string[]): string[] {
  return allow.filter((rule) => parseRule(rule, 'allow').host.kind === 'range');
}

/** Installer containers that a killed install left behind are removed; a live one is waited for by the person. */
async function clearStaleInstallers(docker: import('dockerode'), volume: string): Promise<void> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${LABELS.toolsVolume}=${volume}`] } });
  for (const c of found) {
    const pid = Number(c.Labels[LABELS.ownerPid]);
    if (pid && pid !== process.pid && processAlive(pid)) {
      throw new SandboxError(
        'SESSION_BUSY',
        `Another install into the tools volume ${volume} is running (process ${pid}).`,
        'Wait for it to finish, then install again.',
      );
    }
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

export async function installTool(options: InstallToolOptions): Promise<InstallToolResult> {
  const env = options.env ?? process.env;
  const pkg = toolPackageOf(options.what);
  const registry = options.registry === undefined ? hostNpmRegistry(env) : validRegistry(options.registry, 'the registry given');
  const { user } = resolveUser(options.policy);
  const { docker, info } = await connectEngine();
  const dialect = engineDialect(info, env);
  const image = await ensureImage(docker, options.policy, options.progress);
  const volume = await ensureToolsVolume(docker, user, env);
  await clearStaleInstallers(docker, volume);

  const id = crypto.randomBytes(4).toString('hex');
  const dir = path.join(stateRoot(env), 'tools-install', id);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const extraAllow = installerAllowRules(registry);
  const registryHost = new URL(registry).hostname;
  // A registry token the person configured stays on the host: the proxy adds it.
  const credentials = (options.policy.network.credentials ?? []).filter((c) => c.domain === registryHost);
  const network = {
    mode: 'allowlist' as const,
    presets: ['npm' as const],
    allow: [...extraAllow, ...addressRules(options.policy.network.allow)],
    deny: options.policy.network.deny,
    unlisted: 'deny' as const,
    credentials,
  };
  options.progress?.(
    `Installing ${pkg.spec} into the tools volume ${volume} from ${registry} (network: the npm preset${network.allow.length ? ` and ${network.allow.join(', ')}` : ''})`,
  );
  let net: SessionNetwork | undefined;
  let containerId: string | undefined;
  try {
    net = await openSessionNetwork({
      network,
      netDir: path.join(dir, 'net'),
      logFile: path.join(dir, 'network.jsonl'),
      tlsKeyDir: path.join(dir, 'net-tls'),
      sandboxUser: user,
      env,
    });
    const caBundle = options.registryCaBundle === undefined ? hostNpmCaBundle(env) : options.registryCaBundle;
    let caInContainer = '';
    if (caBundle) {
      // The person's npm trusts these for its registry; with a registry credential the
      // session CA joins them (the proxy then answers for the registry itself).
      const sessionCa = path.join(dir, 'net', 'ca.pem');
      const extra = fs.existsSync(sessionCa) ? `\n${fs.readFileSync(sessionCa, 'utf8')}` : '';
      fs.writeFileSync(path.join(dir, 'net', REGISTRY_CA_NAME), `${caBundle}${extra}`, { mode: 0o644 });
      caInContainer = `${CONTAINER_NET_DIR}/${REGISTRY_CA_NAME}`;
    }
    const runtime = withResolvedRuntime(
      { ...options.policy, network: { ...options.policy.network, ...network } },
      info.runtimeEntries,
      info.defaultRuntime,
    );
    const base = hardenedCreateOptions({
      sessionId: `tools-install-${id}`,
      workspaceRoot: '',
      stateDir: dir,
      image: image.name,
      user,
      // The installer runs under the runtime the sandbox runs under (with what it needs for the proxy).
      policy: runtime.policy,
      gvisor: runtime.runtime.kind === 'gvisor',
      tools: { volume, writable: true },
      extraMounts: net.additions.extraMounts,
      extraEnv: net.additions.extraEnv,
      // Nothing of the host environment: an install needs none of it.
      hostEnv: {},
      ...(dialect ? { dialect } : {}),
    });
    const expected: ContainerCreateOptions = {
      ...base,
      name: `agent-sandbox-tools-install-${id}`,
      WorkingDir: '/tmp',
      Labels: { [LABELS.managed]: '1', [LABELS.toolsUser]: user, [LABELS.toolsVolume]: volume, [LABELS.ownerPid]: String(process.pid) },
    };
    const container = await docker.createContainer(expected);
    containerId = container.id;
    const problems = verifyHardening(await container.inspect(), expected, image.env, dialect);
    if (problems.length) {
      throw new SandboxError(
        'HARDENING_NOT_APPLIED',
        `The engine did not apply the sandbox's hardening to the tools installer: ${problems.join('; ')}. Nothing was installed.`,
        'Use a Docker engine that supports these settings (Docker 20.10 or later on Linux), or report this with `docker info`.',
      );
    }
    await container.start();
    if (dialect) await proveHardeningInside(docker, container.id, user);
    await net.startForwarder(docker, container.id);
    const chunks: Buffer[] = [];
    const keep = (b: Buffer) => {
      chunks.push(b);
      options.onOutput?.(b);
    };
    const result = await runInContainer(
      docker,
      container.id,
      [
        '/bin/sh',
        '-c',
        INSTALL_SCRIPT,
        'agent-sandbox-tools',
        registry,
        INSTALLER_NPM.version,
        INSTALLER_NPM.integrity,
        pkg.bin ?? '',
        caInContainer,
        pkg.name,
        pkg.exactVersion ?? '',
        pkg.spec,
      ],
      {
        user,
        workdir: '/tmp',
        timeoutMs: (options.timeoutSec ?? DEFAULT_TIMEOUT_SEC) * 1000,
        outputCapBytes: options.policy.outputCapBytes,
        onStdout: keep,
        onStderr: keep,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    const output = Buffer.concat(chunks).toString('utf8');
    if (result.exitCode !== 0) throw installFailure(pkg, volume, result.exitCode, result.message, output);
    return { pkg, volume, registry, exitCode: 0, output, durationMs: result.durationMs };
  } finally {
    if (containerId) {
      // Gone already is fine; one that cannot be removed now is collected by the next install.
      await docker
        .getContainer(containerId)
        .remove({ force: true })
        .catch(() => undefined);
    }
    await net?.close();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

function installFailure(pkg: ToolPackage, volume: string, code: number, message: string | undefined, output: string): SandboxError {
  const tail = output.trim().split('\n').slice(-12).join('\n');
  const fix =
    code === EXIT_NOT_WRITABLE
      ? `The image must have an empty ${SANDBOX_TOOLS_MOUNT} with mode 1777 (the built-in image does; see the README's image recipe). If the volume was first used with another image, remove it (\`docker volume rm ${volume}\`) and install again.`
      : code === EXIT_NO_CURL
        ? 'Use an image with curl, tar and node (the built-in image on a base that has them; see the README).'
        : code === EXIT_BAD_CHECKSUM
          ? 'The registry (or something between it and the proxy) served another npm than the pinned one; check the registry setting of your npm.'
          : "Read npm's output above; a host it needed may be missing from the allowlist (see the network log), or the package name or version is wrong.";
  return new SandboxError(
    'INTERNAL',
    `Installing ${pkg.spec} into the tools volume failed (exit ${code}${message ? `: ${message}` : ''}).\n${tail}`,
    fix,
  );
}
