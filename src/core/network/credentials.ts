/**
 * Credentials the proxy adds to requests on the host side, so that tokens never enter the
 * container: not its environment, not its files, not its command lines.
 *
 * A credential belongs to one exact host name (no wildcards: a token should go to the one
 * service that issued it). The proxy sets the header on requests to that host and replaces
 * any value the client sent, so a sandboxed tool cannot aim it elsewhere. It does so inside
 * HTTPS only, unless the rule says `allowPlainHttp`: a plain HTTP request can be answered by
 * anything on the path, or by an upstream that echoes headers back into the sandbox.
 */
import { SandboxError } from '../errors';
import { normalizeHost } from './rules';

export interface HostCredential {
  /** The exact host name the header goes to. */
  readonly domain: string;
  /** Header name, for example `Authorization`. */
  readonly header: string;
  /** The full header value, for example `Bearer abc...`. Never logged. */
  readonly value: string;
  /** Also add it to plain HTTP requests (off by default: only over TLS). */
  readonly allowPlainHttp?: boolean;
}

/** How a policy refers to a credential: by the host environment variable that holds it. */
export interface CredentialSpec {
  readonly domain: string;
  readonly header: string;
  /** Name of the host environment variable holding the secret. */
  readonly env: string;
  /** Put before the secret, for example `Bearer `. */
  readonly prefix?: string;
  /** Also send it over plain HTTP; only the person's own settings can say so. */
  readonly allowPlainHttp?: boolean;
}

/** How the request the credential would go into travels. */
export type CredentialTransport = 'tls' | 'plain-http';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers the proxy manages itself; a credential in one of them would be stripped or clash.
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'proxy-authorization',
  'proxy-connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
]);

function invalidCredential(what: string, fix: string): SandboxError {
  return new SandboxError('POLICY_INVALID', `Invalid network credential: ${what}`, fix);
}

/** Checks a credential and normalizes its domain; throws a clear error when it is unusable. */
export function validateCredential(credential: HostCredential): HostCredential {
  const host = normalizeHost(credential.domain);
  if (!host || host.kind !== 'name' || credential.domain.includes('*')) {
    throw invalidCredential(
      `"${credential.domain}" is not a single domain name`,
      'Give the exact host the token belongs to, for example registry.npmjs.org.',
    );
  }
  if (!HEADER_NAME.test(credential.header) || RESERVED_HEADERS.has(credential.header.toLowerCase())) {
    throw invalidCredential(`"${credential.header}" cannot carry a credential`, 'Use a request header such as Authorization or X-Api-Key.');
  }
  if (/[\r\n\0]/.test(credential.value) || credential.value === '') {
    throw invalidCredential(`the value for ${host.name} is empty or holds a line break`, 'Set the secret to a single line.');
  }
  return {
    domain: host.name,
    header: credential.header,
    value: credential.value,
    ...(credential.allowPlainHttp === true ? { allowPlainHttp: true } : {}),
  };
}

/** Reads each spec's secret from the host environment; a missing one is an error naming it. */
export function resolveCredentials(specs: readonly CredentialSpec[], env: NodeJS.ProcessEnv): HostCredential[] {
  return specs.map((spec) => {
    const secret = env[spec.env];
    if (secret === undefined || secret === '') {
      throw new SandboxError(
        'POLICY_INVALID',
        `The network credential for ${spec.domain} reads the environment variable ${spec.env}, which is not set`,
        `Set ${spec.env} in the environment VS Code or the CLI starts from, or remove the credential from network.credentials.`,
      );
    }
    return validateCredential({
      domain: spec.domain,
      header: spec.header,
      value: `${spec.prefix ?? ''}${secret}`,
      allowPlainHttp: spec.allowPlainHttp === true,
    });
  });
}

/** The credentials that belong to a host (already normalized) and may travel this way. */
export function credentialsFor(credentials: readonly HostCredential[], host: string, transport: CredentialTransport): HostCredential[] {
  return credentials.filter((c) => c.domain === host && (transport === 'tls' || c.allowPlainHttp === true));
}
