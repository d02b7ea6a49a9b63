/**
 * Egress rules: which host and port a sandbox may reach through the proxy.
 *
 * Rule syntax (the same for allow and deny):
 *   example.com           that name exactly
 *   *.example.com         any name under example.com (not example.com itself)
 *   example.com:8443      a port; `:*` means every port
 *   203.0.113.7, [2001:db8::1]:8443, 10.0.0.0/8, [fd00::/8]   IP literals and ranges
 *
 * A rule without a port means, in allow, the web ports 80 and 443, and in deny, every
 * port: an allow should open as little as it can, a deny should close as much.
 *
 * Deny wins over allow. A host that no rule names is `ask` when the policy says so,
 * otherwise `deny`. IP rules do double duty: they decide requests to IP literals, and they
 * are the explicit listing that lets a name resolve to a loopback, private or link-local
 * address (see egress checks in proxy.ts).
 */
import { domainToASCII } from 'node:url';
import { SandboxError } from '../errors';
import { type AddressRange, parseAddress, parseRange, rangeContains } from './addresses';

export type Verdict = 'allow' | 'deny' | 'ask';

/** The host part of a request after normalization: a DNS name or an IP literal. */
export type NormalizedHost = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'ip'; readonly address: string };

type HostPattern =
  | { readonly kind: 'exact'; readonly name: string }
  | { readonly kind: 'subdomains'; readonly suffix: string }
  | { readonly kind: 'range'; readonly range: AddressRange };

export interface NetworkRule {
  /** The rule as the person wrote it, shown in logs and prompts. */
  readonly text: string;
  readonly host: HostPattern;
  /** `undefined`: every port. */
  readonly ports: readonly number[] | undefined;
}

export interface NetworkRules {
  readonly allow: readonly NetworkRule[];
  readonly deny: readonly NetworkRule[];
  /** What happens to a host no rule names. */
  readonly unlisted: 'deny' | 'ask';
}

export interface Decision {
  readonly verdict: Verdict;
  /** The rule that decided, as written; absent when no rule matched. */
  readonly rule?: string;
  readonly reason: string;
}

const WEB_PORTS: readonly number[] = [80, 443];
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Normalizes a host as a URL parser would see it, so that a rule and a request are compared
 * in one spelling: lower case, punycode, no trailing dot, and IPv4 in dotted-decimal even
 * when written as `2130706433` or `0x7f.1`. Returns undefined for anything that is not a
 * plain DNS name or IP literal.
 */
export function normalizeHost(raw: string): NormalizedHost | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.includes('%')) return undefined; // IPv6 zone ids name a local interface
  const v6 = parseAddress(text);
  if (v6 && v6.family === 6) return { kind: 'ip', address: canonicalIPv6(text) };
  // Only what a host name can hold: no userinfo, port, path or escapes for the URL
  // parser to reinterpret (it would read `a@b` as host b).
  if (!/^[A-Za-z0-9._\-\u0080-\uffff]+$/.test(text)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${text}/`).hostname;
  } catch {
    return undefined;
  }
  if (hostname.startsWith('[')) return undefined;
  if (parseAddress(hostname)) return { kind: 'ip', address: hostname };
  const ascii = domainToASCII(hostname).replace(/\.$/, '');
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((l) => LABEL.test(l))) return undefined;
  return { kind: 'name', name: ascii };
}

function canonicalIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** Splits `host:port`, `[v6]:port`, `v6` and `host` into parts; the port may be `*`. */
function splitHostPort(text: string): { host: string; port: string | undefined } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return { host: text, port: undefined };
    const rest = text.slice(close + 1);
    return { host: text.slice(0, close + 1), port: rest.startsWith(':') ? rest.slice(1) : rest || undefined };
  }
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const i = text.indexOf(':');
    return { host: text.slice(0, i), port: text.slice(i + 1) };
  }
  return { host: text, port: undefined };
}

function invalidRule(text: string, list: string, why: string): SandboxError {
  return new SandboxError(
    'POLICY_INVALID',
    `Invalid network rule "${text}" in network.${list}: ${why}`,
    'Write a rule as a domain (example.com), a wildcard (*.example.com), an IP address or range (203.0.113.7, 10.0.0.0/8), optionally followed by :PORT or :*.',
  );
}

/** Parses one rule; `list` names the policy field for error messages. */
export function parseRule(text: string, list: 'allow' | 'deny'): NetworkRule {
  const trimmed = text.trim();
  const { host: hostText, port: portText } = splitHostPort(trimmed);
  let ports: readonly number[] | undefined = list === 'allow' ? WEB_PORTS : undefined;
  if (portText !== undefined) {
    if (portText === '*') ports = undefined;
    else if (/^[0-9]{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535) ports = [Number(portText)];
    else throw invalidRule(text, list, `"${portText}" is not a port (1-65535 or *)`);
  }

  const bare = hostText.startsWith('[') && hostText.endsWith(']') ? hostText.slice(1, -1) : hostText;
  if (bare.includes('/')) {
    const range = parseRange(bare);
    if (!range) throw invalidRule(text, list, `"${bare}" is not an IP range`);
    return { text: trimmed, host: { kind: 'range', range }, ports };
  }
  if (bare === '*' || bare === '*.') {
    throw invalidRule(text, list, 'a bare * would match every host; name the domains instead');
  }
  if (bare.startsWith('*.')) {
    const suffix = normalizeHost(bare.slice(2));
    if (!suffix || suffix.kind !== 'name') throw invalidRule(text, list, `"${bare.slice(2)}" is not a domain`);
    if (!suffix.name.includes('.')) throw invalidRule(text, list, `"*.${suffix.name}" would match a whole top-level domain`);
    return { text: trimmed, host: { kind: 'subdomains', suffix: suffix.name }, ports };
  }
  if (bare.includes('*')) throw invalidRule(text, list, 'a wildcard may only stand as the whole first label (*.example.com)');
  const host = normalizeHost(bare);
  if (!host) throw invalidRule(text, list, `"${bare}" is not a domain or IP address`);
  if (host.kind === 'ip') {
    const range = parseRange(host.address);
    if (!range) throw invalidRule(text, list, `"${bare}" is not an IP address`);
    return { text: trimmed, host: { kind: 'range', range }, ports };
  }
  return { text: trimmed, host: { kind: 'exact', name: host.name }, ports };
}

export interface RuleSource {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
  readonly unlisted?: 'deny' | 'ask';
}

/** Parses a policy's lists; the first bad rule is an error naming it and the fix. */
export function compileRules(source: RuleSource): NetworkRules {
  return {
    allow: source.allow.map((r) => parseRule(r, 'allow')),
    deny: source.deny.map((r) => parseRule(r, 'deny')),
    unlisted: source.unlisted ?? 'deny',
  };
}

function portMatches(rule: NetworkRule, port: number): boolean {
  return rule.ports === undefined || rule.ports.includes(port);
}

function hostMatches(rule: NetworkRule, host: NormalizedHost): boolean {
  const pattern = rule.host;
  if (host.kind === 'ip') {
    if (pattern.kind !== 'range') return false;
    const addr = parseAddress(host.address);
    return addr !== undefined && rangeContains(pattern.range, addr);
  }
  if (pattern.kind === 'exact') return host.name === pattern.name;
  if (pattern.kind === 'subdomains') return host.name.endsWith(`.${pattern.suffix}`);
  return false;
}

export function ruleMatches(rule: NetworkRule, host: NormalizedHost, port: number): boolean {
  return portMatches(rule, port) && hostMatches(rule, host);
}

/** Decides a request to `host:port` (the host as sent by the client, normalized here). */
export function decide(rules: NetworkRules, rawHost: string, port: number): Decision {
  const host = normalizeHost(rawHost);
  if (!host) return { verdict: 'deny', reason: `"${rawHost}" is not a valid host name or IP address` };
  return decideNormalized(rules, host, port);
}

export function decideNormalized(rules: NetworkRules, host: NormalizedHost, port: number): Decision {
  const denied = rules.deny.find((r) => ruleMatches(r, host, port));
  if (denied) return { verdict: 'deny', rule: denied.text, reason: 'matches a deny rule' };
  const allowed = rules.allow.find((r) => ruleMatches(r, host, port));
  if (allowed) return { verdict: 'allow', rule: allowed.text, reason: 'matches an allow rule' };
  if (host.kind === 'ip') {
    return { verdict: 'deny', reason: 'IP addresses are refused unless an allow rule lists them' };
  }
  if (rules.unlisted === 'ask') return { verdict: 'ask', reason: 'no rule names this host' };
  return { verdict: 'deny', reason: 'no allow rule names this host and port' };
}

/** The host part of a normalized host, as written in logs and rules. */
export function hostText(host: NormalizedHost): string {
  return host.kind === 'name' ? host.name : host.address;
}

/** The rule that allows exactly one host and port (an IPv6 literal in brackets). */
export function ruleForHostPort(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}
