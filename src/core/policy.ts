/**
 * The sandbox policy: one schema for everything the sandbox enforces.
 *
 * Sources, weakest to strongest: built-in defaults, then user settings, then the
 * workspace file `.vscode/agent-sandbox.json`. The workspace file comes with the repository,
 * so a cloned repository could try to widen its own sandbox: it may only tighten. A field
 * it tries to loosen is an error that names the file, the field and the reason; nothing
 * ever falls back to a weaker policy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { SandboxError } from './errors';
import { compileNetworkPolicy } from './network/sessionNetwork';

/** The image name that means "build the hardened image from media/Dockerfile". */
export const AUTO_IMAGE = 'agent-sandbox:auto';

/**
 * Paths left out of the base copy, so the sandbox never sees them: files that hold secrets.
 * Patterns follow the gitignore rules (see glob.ts). A pattern without a slash matches at any
 * depth; where a secret is a path rather than a name (`.docker/config.json`) it starts with
 * `**\/`, so `ops/.docker/config.json` is left out as well as the one at the root.
 *
 * Environment files are left out whatever their suffix (`.env`, `.env.production`, `prod.env`,
 * direnv's `.envrc`), except the templates projects check in to document their variables
 * (`.env.example`, `.env.sample`, `.env.template`), which hold placeholders. Some of these
 * files also carry settings a build needs (`.yarnrc.yml`, `gradle.properties`, `pip.conf`):
 * they are left out all the same, because they are where those tools keep their tokens; a
 * person who knows theirs hold none can take them off the list in their user settings.
 *
 * Git's own files are handled apart (snapshot/gitScrub.ts): `.git` is copied so that git works
 * in the sandbox, with the credentials taken out of its configuration.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  // Environment files, minus their checked-in templates.
  '.env*',
  '*.env',
  '!.env.example',
  '!.env.sample',
  '!.env.template',
  // Private keys, certificates with their keys, key stores, VPN profiles.
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.p8',
  '*.ppk',
  '*.jks',
  '*.keystore',
  '*.keytab',
  '*.kdbx',
  '*.ovpn',
  // SSH keys under their usual names, with their variants (`id_rsa.old`, `id_ed25519_sk`).
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.ssh/',
  '.gnupg/',
  // Package registries and their tokens.
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  'bunfig.toml',
  '.pypirc',
  'pip.conf',
  'pip.ini',
  '**/.cargo/credentials',
  '**/.cargo/credentials.toml',
  '**/.gem/credentials',
  '**/.m2/settings.xml',
  '**/.m2/settings-security.xml',
  'gradle.properties',
  // Logins for hosts, databases and git.
  '.netrc',
  '_netrc',
  '.git-credentials',
  '.pgpass',
  '.my.cnf',
  '.mylogin.cnf',
  '.htpasswd',
  '**/.config/gh/hosts.yml',
  '.sentryclirc',
  '.Renviron',
  // Cloud and cluster credentials.
  '.aws/',
  '.azure/',
  '.gcloud/',
  '**/.config/gcloud/',
  'application_default_credentials.json',
  'service-account*.json',
  'credentials.json',
  '.boto',
  '.s3cfg',
  '.databrickscfg',
  '**/.docker/config.json',
  '.dockercfg',
  '.kube/',
  'kubeconfig*',
  '.vault-token',
  // Infrastructure state and variables, which hold every secret they provision.
  '*.tfstate',
  '*.tfstate.*',
  '*.tfvars',
  '*.tfvars.json',
  '.terraformrc',
  'terraform.rc',
  '**/.terraform.d/credentials.tfrc.json',
  // Files named for the secrets they hold.
  'secrets.y*ml',
  'secrets.json',
  'secrets.toml',
  '.dev.vars',
];

/** Paths whose changes can run code on the host later; review singles them out. */
export const DEFAULT_RISKY: readonly string[] = [
  '.git/',
  '.devcontainer/',
  '.github/workflows/',
  '.github/actions/',
  '.gitlab-ci.yml',
  '.circleci/',
  'azure-pipelines.yml',
  '.buildkite/',
  'Jenkinsfile',
  '.travis.yml',
  'package.json',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  'pnpm-workspace.yaml',
  'package-lock.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'setup.py',
  'setup.cfg',
  'pyproject.toml',
  'requirements*.txt',
  'Pipfile',
  'Pipfile.lock',
  'poetry.lock',
  'uv.lock',
  'pip.conf',
  'Cargo.toml',
  'Cargo.lock',
  'build.rs',
  '.cargo/',
  'go.mod',
  'go.sum',
  'Gemfile',
  'Gemfile.lock',
  'composer.json',
  'build.gradle',
  'build.gradle.kts',
  'settings.gradle',
  'gradlew',
  'pom.xml',
  '.mvn/',
  '.envrc',
  '.bashrc',
  '.bash_profile',
  '.profile',
  '.zshrc',
  '.zprofile',
  '.zshenv',
  'config.fish',
  'Makefile',
  'GNUmakefile',
  'makefile',
  '*.mk',
  'CMakeLists.txt',
  'Justfile',
  'justfile',
  'Taskfile.yml',
  'Rakefile',
  '.pre-commit-config.yaml',
  '.husky/',
  '.gitattributes',
  '.gitmodules',
  '.editorconfig',
  '*.code-workspace',
];

const positiveInt = z.number().int().positive();

export const NETWORK_MODES = ['none', 'allowlist'] as const;
export const NETWORK_PRESETS = ['npm', 'pypi', 'github', 'anthropic', 'openai'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export const PolicySchema = z.strictObject({
  image: z.string().min(1).describe(`Image to run. "${AUTO_IMAGE}" builds the hardened image from the extension's Dockerfile.`),
  baseImage: z.string().min(1).describe('Base image for the built image. Must be present locally or pullable.'),
  runtime: z.string().describe('Container runtime, for example "runsc" (gVisor) or "kata". Empty: the engine\'s default.'),
  user: z
    .string()
    .regex(/^(auto|[0-9]+:[0-9]+)$/, 'must be "auto" or "UID:GID" with numbers')
    .refine((u) => u === 'auto' || !u.startsWith('0:'), 'must not be root (UID 0)')
    .describe('User the sandbox runs as: "auto" (your UID:GID, or 1000:1000 when you are root) or "UID:GID". Never root.'),
  cpus: z.number().positive().max(1024).describe('CPU limit, in cores.'),
  memoryMb: positiveInt.min(64).describe('Memory limit in MiB (swap is not allowed beyond it).'),
  pids: positiveInt.min(16).describe('Maximum number of processes and threads.'),
  commandTimeoutSec: positiveInt.describe('A command running longer than this is killed (exit code 124).'),
  outputCapBytes: positiveInt.min(1024).describe('Output kept per command; the rest is counted and dropped.'),
  diskCapMb: positiveInt.describe('Most the sandbox may add to its copy of the workspace, in MiB.'),
  fileSizeCapMb: positiveInt.describe('Largest file a command may write, in MiB (the fsize ulimit).'),
  openFiles: positiveInt.min(64).describe('Open file limit (the nofile ulimit).'),
  tmpMb: positiveInt.describe('Size of the tmpfs at /tmp, in MiB.'),
  homeMb: positiveInt.describe('Size of the tmpfs home directory, in MiB.'),
  network: z.strictObject({
    mode: z.enum(NETWORK_MODES).describe('"none": no network at all. "allowlist": only through the host proxy.'),
    allow: z.array(z.string().min(1)).describe('Domains (wildcards and ports allowed) reachable in allowlist mode.'),
    deny: z.array(z.string().min(1)).describe('Domains never reachable; deny wins over allow.'),
    unlisted: z
      .enum(['deny', 'ask'])
      .describe('A domain no rule names: denied, or put to a person in the editor ("ask"; the CLI and MCP server deny).'),
    presets: z.array(z.enum(NETWORK_PRESETS)).describe('Named allow lists to switch on: npm, pypi, github, anthropic, openai.'),
    credentials: z
      .array(
        z.strictObject({
          domain: z.string().min(1),
          header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'),
          env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'),
          prefix: z.string().optional(),
          allowPlainHttp: z.boolean().optional().describe('Also add it to plain HTTP requests; by default only to HTTPS.'),
        }),
      )
      .describe(
        'Headers the host proxy adds to requests for one domain, from a host environment variable; the secret never enters the sandbox.',
      ),
  }),
  envAllowlist: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'))
    .describe('Host environment variables passed into the sandbox. Nothing else of the host environment is.'),
  exclude: z.array(z.string().min(1)).describe('Paths left out of the sandbox copy (gitignore-style patterns).'),
  risky: z.array(z.string().min(1)).describe('Paths whose changes are flagged as risky in review (gitignore-style patterns).'),
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyLayer = z.infer<ReturnType<typeof layerSchema>>;

function layerSchema() {
  return z
    .strictObject({
      ...PolicySchema.shape,
      network: PolicySchema.shape.network.partial(),
    })
    .partial();
}

export const DEFAULT_POLICY: Policy = Object.freeze({
  image: AUTO_IMAGE,
  baseImage: 'debian:bookworm-slim',
  runtime: '',
  user: 'auto',
  cpus: 2,
  memoryMb: 2048,
  pids: 512,
  commandTimeoutSec: 600,
  outputCapBytes: 1024 * 1024,
  diskCapMb: 2048,
  fileSizeCapMb: 1024,
  openFiles: 4096,
  tmpMb: 512,
  homeMb: 256,
  network: { mode: 'none', allow: [], deny: [], unlisted: 'deny', presets: [], credentials: [] },
  envAllowlist: ['LANG', 'LC_ALL', 'TZ', 'TERM'],
  exclude: [...DEFAULT_EXCLUDES],
  risky: [...DEFAULT_RISKY],
}) as Policy;

/** Where a layer came from, for error messages. */
export interface LayerSource {
  readonly kind: 'defaults' | 'user' | 'workspace';
  /** A file path or a description such as "VS Code user settings". */
  readonly origin: string;
}

export interface PolicyProvenance {
  readonly policy: Policy;
  /** Which layer set each top-level field last. */
  readonly setBy: Readonly<Record<keyof Policy, LayerSource>>;
}

function fieldName(pathParts: readonly PropertyKey[]): string {
  return pathParts.length ? pathParts.map(String).join('.') : '(root)';
}

/** Parses one layer; an invalid one is an error naming the origin, the field and the reason. */
export function parseLayer(raw: unknown, source: LayerSource): PolicyLayer {
  const result = layerSchema().safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${fieldName(i.path)}: ${i.message}`);
    throw new SandboxError(
      'POLICY_INVALID',
      `Invalid sandbox policy in ${source.origin}: ${problems.join('; ')}`,
      `Fix the field${problems.length > 1 ? 's' : ''} named above; the sandbox will not start with an invalid policy.`,
    );
  }
  return result.data;
}

function loosening(source: LayerSource, field: string, reason: string): SandboxError {
  return new SandboxError(
    'POLICY_INVALID',
    `Invalid sandbox policy in ${source.origin}: ${field}: ${reason}`,
    'A workspace policy file may only tighten the sandbox. Remove the field, or change it in your user settings instead.',
  );
}

const NUMERIC_LIMITS = [
  'cpus',
  'memoryMb',
  'pids',
  'commandTimeoutSec',
  'outputCapBytes',
  'diskCapMb',
  'fileSizeCapMb',
  'openFiles',
  'tmpMb',
  'homeMb',
] as const satisfies readonly (keyof Policy)[];

const FIXED_IN_WORKSPACE = ['image', 'baseImage', 'runtime', 'user'] as const satisfies readonly (keyof Policy)[];

/**
 * Applies one layer over a policy. User layers may set anything valid. Workspace layers may
 * only tighten: lower limits, fewer passed variables and allowed domains, more exclusions,
 * deny and risky patterns, and no network when the user allows some.
 */
export function applyLayer(base: Policy, layer: PolicyLayer, source: LayerSource): Policy {
  const next: Policy = {
    ...base,
    network: {
      ...base.network,
      allow: [...base.network.allow],
      deny: [...base.network.deny],
      presets: [...base.network.presets],
      credentials: [...base.network.credentials],
    },
  };
  const tightenOnly = source.kind === 'workspace';

  for (const key of NUMERIC_LIMITS) {
    const value = layer[key];
    if (value === undefined) continue;
    if (tightenOnly && value > base[key]) {
      throw loosening(source, key, `${value} is above the current limit of ${base[key]}`);
    }
    next[key] = value;
  }

  for (const key of FIXED_IN_WORKSPACE) {
    const value = layer[key];
    if (value === undefined) continue;
    if (tightenOnly && value !== base[key]) {
      throw loosening(source, key, `cannot be changed from the workspace (it decides what runs)`);
    }
    next[key] = value;
  }

  if (layer.envAllowlist !== undefined) {
    if (tightenOnly) {
      const extra = layer.envAllowlist.filter((v) => !base.envAllowlist.includes(v));
      if (extra.length) throw loosening(source, 'envAllowlist', `adds ${extra.join(', ')}; the workspace may only remove variables`);
    }
    next.envAllowlist = [...layer.envAllowlist];
  }

  // Exclusions and risk flags only ever grow from the workspace; user settings replace.
  for (const key of ['exclude', 'risky'] as const) {
    const value = layer[key];
    if (value === undefined) continue;
    // A "!" pattern takes paths back out of the list: from the workspace that would loosen it.
    const negations = value.filter((p) => p.trimStart().startsWith('!'));
    if (tightenOnly && negations.length) {
      throw loosening(source, key, `${negations.join(', ')} would take paths back out of the list; the workspace may only add patterns`);
    }
    next[key] = tightenOnly ? unique([...base[key], ...value]) : [...value];
  }

  const net = layer.network;
  if (net) {
    if (net.mode !== undefined) {
      if (tightenOnly && net.mode !== 'none' && base.network.mode === 'none') {
        throw loosening(source, 'network.mode', `"${net.mode}" would open the network that your settings keep closed`);
      }
      next.network.mode = net.mode;
    }
    if (net.allow !== undefined) {
      if (tightenOnly) {
        const extra = net.allow.filter((d) => !base.network.allow.includes(d));
        if (extra.length) throw loosening(source, 'network.allow', `adds ${extra.join(', ')}; the workspace may only remove domains`);
      }
      next.network.allow = [...net.allow];
    }
    if (net.deny !== undefined) {
      next.network.deny = tightenOnly ? unique([...base.network.deny, ...net.deny]) : [...net.deny];
    }
    if (net.unlisted !== undefined) {
      if (tightenOnly && net.unlisted === 'ask' && base.network.unlisted === 'deny') {
        throw loosening(source, 'network.unlisted', '"ask" would let unlisted domains through that your settings deny');
      }
      next.network.unlisted = net.unlisted;
    }
    if (net.presets !== undefined) {
      if (tightenOnly) {
        const extra = net.presets.filter((p) => !base.network.presets.includes(p));
        if (extra.length) throw loosening(source, 'network.presets', `adds ${extra.join(', ')}; the workspace may only remove presets`);
      }
      next.network.presets = [...net.presets];
    }
    if (net.credentials !== undefined) {
      // Which secret goes to which domain is the person's choice alone.
      if (tightenOnly) throw loosening(source, 'network.credentials', 'credentials can only be configured in your user settings');
      next.network.credentials = [...net.credentials];
    }
  }
  return next;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export interface PolicyInputs {
  /** The user layer, already read (VS Code settings or the CLI's config file), if any. */
  readonly user?: { readonly raw: unknown; readonly origin: string };
  /**
   * Settings that come with the workspace other than the policy file (VS Code's workspace
   * and folder settings): they arrive with a cloned repository too, so they may only tighten.
   */
  readonly workspaceSettings?: { readonly raw: unknown; readonly origin: string };
  /** The workspace root; its `.vscode/agent-sandbox.json` is read when present. */
  readonly workspaceRoot?: string;
}

export const WORKSPACE_POLICY_FILE = path.join('.vscode', 'agent-sandbox.json');

/** Reads a JSON policy file. A missing file is `undefined`; a malformed one is an error. */
export function readPolicyFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SandboxError(
      'POLICY_INVALID',
      `Cannot read the sandbox policy file ${file}: ${(err as Error).message}`,
      "Check the file's permissions.",
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SandboxError(
      'POLICY_INVALID',
      `Invalid sandbox policy in ${file}: not valid JSON (${(err as Error).message})`,
      'Fix the JSON syntax; the sandbox will not start with an invalid policy.',
    );
  }
}

/** Resolves the effective policy from defaults, the user layer and the workspace file. */
export function resolvePolicy(inputs: PolicyInputs): PolicyProvenance {
  const defaults: LayerSource = { kind: 'defaults', origin: 'built-in defaults' };
  const setBy = Object.fromEntries(Object.keys(DEFAULT_POLICY).map((k) => [k, defaults])) as Record<keyof Policy, LayerSource>;
  let policy: Policy = structuredClone(DEFAULT_POLICY);

  const layers: { raw: unknown; source: LayerSource }[] = [];
  if (inputs.user && inputs.user.raw !== undefined) {
    layers.push({ raw: inputs.user.raw, source: { kind: 'user', origin: inputs.user.origin } });
  }
  if (inputs.workspaceSettings && inputs.workspaceSettings.raw !== undefined) {
    layers.push({ raw: inputs.workspaceSettings.raw, source: { kind: 'workspace', origin: inputs.workspaceSettings.origin } });
  }
  if (inputs.workspaceRoot) {
    const file = path.join(inputs.workspaceRoot, WORKSPACE_POLICY_FILE);
    const raw = readPolicyFile(file);
    if (raw !== undefined) layers.push({ raw, source: { kind: 'workspace', origin: file } });
  }
  for (const { raw, source } of layers) {
    const layer = parseLayer(raw, source);
    policy = applyLayer(policy, layer, source);
    for (const key of Object.keys(layer) as (keyof Policy)[]) setBy[key] = source;
  }
  // The merged result must itself be valid (for example a user layer cannot make it empty).
  const final = PolicySchema.safeParse(policy);
  if (!final.success) {
    throw new SandboxError(
      'POLICY_INVALID',
      `The merged sandbox policy is invalid: ${final.error.issues.map((i) => `${fieldName(i.path)}: ${i.message}`).join('; ')}`,
    );
  }
  // Domain rules are checked now, so a typo is an error at load time, not a surprise later.
  try {
    compileNetworkPolicy(final.data.network);
  } catch (err) {
    const origin = setBy.network.origin;
    throw new SandboxError(
      'POLICY_INVALID',
      `Invalid sandbox policy in ${origin}: network: ${(err as Error).message}`,
      'Fix the domain rule named above.',
    );
  }
  return { policy: final.data, setBy };
}
