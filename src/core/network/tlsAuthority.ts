/**
 * A per-session certificate authority, so the proxy can add credentials to HTTPS requests.
 *
 * Only hosts that have a credential are intercepted; every other tunnel stays end to end.
 * The CA is made for one session, valid for two days, and name-constrained to exactly the
 * credential hosts, so even if its key leaked it could not vouch for any other name. Its
 * key stays in a host folder readable by the owner only and is deleted on close; only
 * the certificate goes into the container (to be trusted there).
 *
 * Certificates are made with the `openssl` command (argv, no shell): Node can use
 * certificates but cannot issue them.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import { SandboxError } from '../errors';

const run = promisify(execFile);

export interface LeafCertificate {
  readonly key: string;
  readonly cert: string;
}

export interface TlsAuthority {
  /** The CA certificate (PEM), to be trusted inside the container. */
  readonly certPem: string;
  /** Hosts this CA may issue for. */
  readonly hosts: readonly string[];
  /** A server certificate for `host` (one of `hosts`), made once and cached. */
  leafFor(host: string): Promise<LeafCertificate>;
  /** Deletes the key material. */
  dispose(): void;
}

const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 15_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new SandboxError(
      'INTERNAL',
      e.code === 'ENOENT'
        ? 'The openssl command is not installed; it is needed to add credentials to HTTPS requests.'
        : `openssl failed while making the session's certificate authority: ${(e.stderr ?? e.message).trim()}`,
      'Install OpenSSL on this machine, or remove network.credentials from the policy.',
      { cause: err },
    );
  }
}

/**
 * Creates the CA in `keyDir` (created 0700; it must not be a folder the container sees).
 * `hosts` are exact, already-normalized host names.
 */
export async function createTlsAuthority(keyDir: string, hosts: readonly string[]): Promise<TlsAuthority> {
  if (hosts.length === 0) throw new Error('a TLS authority needs at least one host');
  fs.mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(keyDir, 0o700);
  const caKey = path.join(keyDir, 'ca.key');
  const caCert = path.join(keyDir, 'ca.pem');
  await openssl([
    'req',
    '-x509',
    ...CURVE,
    '-keyout',
    caKey,
    '-out',
    caCert,
    '-days',
    '2',
    '-subj',
    '/CN=Agent Sandbox session CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    `nameConstraints=critical,${hosts.map((h) => `permitted;DNS:${h}`).join(',')}`,
  ]);
  const certPem = fs.readFileSync(caCert, 'utf8');
  const leaves = new Map<string, Promise<LeafCertificate>>();

  const makeLeaf = async (host: string): Promise<LeafCertificate> => {
    const base = path.join(keyDir, `leaf-${host}`);
    await openssl([
      'req',
      '-x509',
      ...CURVE,
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${host}`,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-addext',
      `subjectAltName=DNS:${host}`,
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'extendedKeyUsage=serverAuth',
    ]);
    return { key: fs.readFileSync(`${base}.key`, 'utf8'), cert: fs.readFileSync(`${base}.pem`, 'utf8') };
  };

  return {
    certPem,
    hosts: [...hosts],
    leafFor: (host) => {
      if (!hosts.includes(host)) return Promise.reject(new Error(`the session CA does not issue for ${host}`));
      let leaf = leaves.get(host);
      if (!leaf) {
        leaf = makeLeaf(host);
        leaves.set(host, leaf);
        leaf.catch(() => leaves.delete(host));
      }
      return leaf;
    },
    dispose: () => fs.rmSync(keyDir, { recursive: true, force: true }),
  };
}

/**
 * The trust files the container gets: the CA alone (for NODE_EXTRA_CA_CERTS, which adds to
 * Node's roots) and a full bundle of the public roots plus the CA (for tools whose setting
 * replaces their roots: curl, Python, pip, git, OpenSSL).
 */
export function writeContainerTrust(netDir: string, authority: TlsAuthority): { caFile: string; bundleFile: string } {
  const caFile = path.join(netDir, 'ca.pem');
  const bundleFile = path.join(netDir, 'ca-bundle.pem');
  fs.writeFileSync(caFile, authority.certPem, { mode: 0o644 });
  fs.writeFileSync(bundleFile, `${tls.rootCertificates.join('\n')}\n${authority.certPem}`, { mode: 0o644 });
  return { caFile, bundleFile };
}
