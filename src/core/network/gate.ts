/**
 * The egress gate: everything the proxy decides about one request, independent of HTTP.
 *
 * Order of checks: the host must be a plain name or IP literal; rules decide (deny wins);
 * an unlisted host may be put to a person (`ask`); then the proxy resolves the name itself
 * and every resolved address must lead somewhere public, or be listed explicitly. The
 * caller connects to the address returned here, never to the name again, so an answer
 * that changes between the check and the connection (DNS rebinding) cannot slip through.
 */
import * as dns from 'node:dns';
import { type AddressClass, classifyAddress } from './addresses';
import { credentialsFor, type HostCredential } from './credentials';
import type { NetworkLogRecord, NetworkLogSink } from './log';
import { decideNormalized, hostText, normalizeHost, type NetworkRules, ruleMatches, type NormalizedHost } from './rules';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The answers a person can give to a prompt about an unlisted host. */
export type AskAnswer = 'allow-once' | 'allow-session' | 'allow-workspace' | 'deny';

export interface AskRequest {
  readonly method: string;
  readonly host: string;
  readonly port: number;
}

export interface EgressGateOptions {
  readonly rules: NetworkRules;
  readonly credentials?: readonly HostCredential[];
  /** Name resolution; the system resolver by default. Tests map names to local servers. */
  readonly resolver?: Resolver;
  /**
   * Asks a person about a host no rule names (only when the rules say `ask`). The request
   * waits for the answer. Absent (CLI, MCP server): such hosts are denied.
   */
  readonly onAsk?: (request: AskRequest) => Promise<AskAnswer>;
  /** How long a request waits for an answer before it is denied. Default 120 s. */
  readonly askTimeoutMs?: number;
  /**
   * Non-public addresses (loopback, private, ...) a name may resolve to, for a local test
   * or benchmark server only. Empty by default: a policy lists such addresses as IP rules.
   */
  readonly allowAddressesForTesting?: readonly string[];
  readonly log: NetworkLogSink;
  /** Hosts whose HTTPS tunnels the proxy terminates to add credentials (set by the proxy). */
  readonly interceptedHosts?: readonly string[];
}

export type GateResult =
  | { readonly decision: 'allow'; readonly host: string; readonly address: string; readonly credentials: readonly HostCredential[] }
  | { readonly decision: 'deny'; readonly host: string; readonly reason: string };

const DEFAULT_ASK_TIMEOUT_MS = 120_000;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export class EgressGate {
  private readonly approvedThisSession = new Set<string>();
  private readonly pendingAsks = new Map<string, Promise<AskAnswer>>();
  private readonly resolver: Resolver;
  private readonly extraAddresses: ReadonlySet<string>;

  constructor(private readonly options: EgressGateOptions) {
    this.resolver = options.resolver ?? systemResolver;
    this.extraAddresses = new Set(
      (options.allowAddressesForTesting ?? []).map((a) => {
        const host = normalizeHost(a);
        if (!host || host.kind !== 'ip') throw new Error(`allowAddressesForTesting: "${a}" is not an IP address`);
        return host.address;
      }),
    );
  }

  /** Hosts approved for this session by a person, as `host:port`. */
  sessionApprovals(): string[] {
    return [...this.approvedThisSession];
  }

  /** Decides one request and logs it. `method` is `CONNECT` or the HTTP method. */
  async check(method: string, rawHost: string, port: number): Promise<GateResult> {
    const base = { method, port };
    const host = normalizeHost(rawHost);
    if (!host) return this.deny({ ...base, host: rawHost }, `"${rawHost}" is not a valid host name or IP address`);
    const name = hostText(host);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return this.deny({ ...base, host: name }, `port ${port} is out of range`);

    let decision = decideNormalized(this.options.rules, host, port);
    let answer: AskAnswer | undefined;
    const key = `${name}:${port}`;
    if (decision.verdict === 'ask' && this.approvedThisSession.has(key)) {
      decision = { verdict: 'allow', reason: 'approved earlier in this session' };
    } else if (decision.verdict === 'ask') {
      if (!this.options.onAsk) {
        return this.deny({ ...base, host: name }, 'no rule names this host and nobody can be asked here');
      }
      answer = await this.ask(key, { method, host: name, port });
      if (answer === 'deny') return this.deny({ ...base, host: name, answer }, 'denied when asked');
      if (answer !== 'allow-once') this.approvedThisSession.add(key);
      decision = { verdict: 'allow', reason: `allowed when asked (${answer})` };
    }
    if (decision.verdict === 'deny') {
      return this.deny({ ...base, host: name, rule: decision.rule }, decision.reason);
    }

    const resolved = await this.resolve(host);
    if ('error' in resolved) return this.deny({ ...base, host: name, rule: decision.rule, answer }, resolved.error);
    for (const address of resolved.addresses) {
      const refusal = this.addressRefusal(address, port);
      if (refusal) return this.deny({ ...base, host: name, rule: decision.rule, answer }, refusal);
    }
    const address = resolved.addresses[0]!;
    // CONNECT carries TLS (the proxy adds credentials only inside a TLS handshake it ends);
    // any other method is a plain HTTP request.
    const transport = method === 'CONNECT' ? 'tls' : 'plain-http';
    const credentials = host.kind === 'name' ? credentialsFor(this.options.credentials ?? [], host.name, transport) : [];
    const withheld =
      host.kind === 'name' &&
      transport === 'plain-http' &&
      credentials.length === 0 &&
      credentialsFor(this.options.credentials ?? [], host.name, 'tls').length > 0;
    this.write({
      ...base,
      host: name,
      decision: 'allow',
      // Say so when a credential exists but cannot go into an end-to-end encrypted tunnel.
      reason: [
        decision.reason,
        this.tunnelNote(method, name, credentials.length > 0),
        withheld ? 'credentials are not added to plain HTTP requests' : undefined,
      ]
        .filter(Boolean)
        .join('; '),
      rule: decision.rule,
      address,
      answer,
      injected: method === 'CONNECT' || credentials.length === 0 ? undefined : credentials.map((c) => c.header),
    });
    return { decision: 'allow', host: name, address, credentials };
  }

  private tunnelNote(method: string, host: string, hasCredentials: boolean): string | undefined {
    if (method !== 'CONNECT' || !hasCredentials) return undefined;
    return this.options.interceptedHosts?.includes(host)
      ? 'the tunnel is terminated to add credentials'
      : 'credentials are not added to HTTPS tunnels without a session CA';
  }

  /** Logs a request the proxy refuses for its form rather than its destination. */
  recordRefusal(method: string, host: string, port: number, reason: string): void {
    this.write({ method, host, port, decision: 'deny', reason });
  }

  /** Logs a request made inside a tunnel the proxy terminated (its host was checked at CONNECT). */
  recordTunnelRequest(method: string, host: string, port: number, address: string, injected: readonly string[]): void {
    this.write({
      method,
      host,
      port,
      decision: 'allow',
      reason: 'inside an allowed HTTPS tunnel, terminated to add credentials',
      address,
      injected: injected.length ? injected : undefined,
    });
  }

  private async resolve(host: NormalizedHost): Promise<{ addresses: string[] } | { error: string }> {
    if (host.kind === 'ip') return { addresses: [host.address] };
    let found: readonly ResolvedAddress[];
    try {
      found = await this.resolver(host.name);
    } catch (err) {
      return { error: `cannot resolve ${host.name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    const addresses: string[] = [];
    for (const entry of found) {
      const normalized = normalizeHost(entry.address);
      if (!normalized || normalized.kind !== 'ip') return { error: `resolver returned "${entry.address}", which is not an IP address` };
      addresses.push(normalized.address);
    }
    if (addresses.length === 0) return { error: `${host.name} resolves to no address` };
    return { addresses };
  }

  /** Why the proxy must not connect to `address`, or undefined when it may. */
  private addressRefusal(address: string, port: number): string | undefined {
    const asHost: NormalizedHost = { kind: 'ip', address };
    const denied = this.options.rules.deny.find((r) => ruleMatches(r, asHost, port));
    if (denied) return `resolves to ${address}, which deny rule "${denied.text}" covers`;
    const cls: AddressClass = classifyAddress(address);
    if (cls === 'public') return undefined;
    if (this.extraAddresses.has(address)) return undefined;
    if (this.options.rules.allow.some((r) => r.host.kind === 'range' && ruleMatches(r, asHost, port))) return undefined;
    return `resolves to ${address} (${cls}), which is refused unless an allow rule lists it`;
  }

  private ask(key: string, request: AskRequest): Promise<AskAnswer> {
    const pending = this.pendingAsks.get(key);
    if (pending) return pending;
    const onAsk = this.options.onAsk!;
    const timeoutMs = this.options.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
    const answer = new Promise<AskAnswer>((resolve) => {
      const timer = setTimeout(() => resolve('deny'), timeoutMs);
      timer.unref();
      // A failing prompt denies: the gate fails closed.
      onAsk(request)
        .then(
          (a) => resolve(a),
          () => resolve('deny'),
        )
        .finally(() => clearTimeout(timer));
    }).finally(() => this.pendingAsks.delete(key));
    this.pendingAsks.set(key, answer);
    return answer;
  }

  private deny(fields: { method: string; host: string; port: number; rule?: string; answer?: AskAnswer }, reason: string): GateResult {
    this.write({ ...fields, decision: 'deny', reason });
    return { decision: 'deny', host: fields.host, reason };
  }

  private write(record: Omit<NetworkLogRecord, 'time'>): void {
    const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
    this.options.log({ time: new Date().toISOString(), ...clean } as NetworkLogRecord);
  }
}
