/**
 * Classifies IP addresses by where they lead. The egress proxy connects only to addresses
 * classed `public` unless a rule lists the address explicitly: everything else leads back
 * into the host, the local network, a cloud provider's metadata service or nowhere useful.
 *
 * Addresses are handled as numbers (IPv4 as a 32-bit value in a bigint, IPv6 as a 128-bit
 * bigint), so a range check cannot be fooled by the many ways an address can be written.
 */
import * as net from 'node:net';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'ipv4-embedded';

export interface ParsedAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** Parses a canonical IPv4 or IPv6 literal (no brackets, no zone); undefined if it is not one. */
export function parseAddress(text: string): ParsedAddress | undefined {
  if (net.isIPv4(text)) return { family: 4, value: parseIPv4(text) };
  if (net.isIPv6(text) && !text.includes('%')) return { family: 6, value: parseIPv6(text) };
  return undefined;
}

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): bigint {
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two 16-bit words.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let hex = text;
  if (tail.includes('.')) {
    const v4 = Number(parseIPv4(tail));
    hex = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const gap = hex.indexOf('::');
  const all =
    gap === -1
      ? words(hex)
      : (() => {
          const left = words(hex.slice(0, gap));
          const right = words(hex.slice(gap + 2));
          return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
        })();
  return all.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

/** A range of addresses of one family, as written `base/prefix`. */
export interface AddressRange {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

/** Parses `1.2.3.0/24`, `fe80::/10` or a single address (a range of one). */
export function parseRange(text: string): AddressRange | undefined {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText);
  if (!addr) return undefined;
  const bits = addr.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  return { family: addr.family, base: addr.value & mask(bits, prefix), prefix };
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

export function rangeContains(range: AddressRange, addr: ParsedAddress): boolean {
  if (range.family !== addr.family) return false;
  const bits = range.family === 4 ? 32 : 128;
  return (addr.value & mask(bits, range.prefix)) === range.base;
}

function ranges(list: readonly string[]): AddressRange[] {
  return list.map((text) => {
    const r = parseRange(text);
    if (!r) throw new Error(`bad built-in range ${text}`);
    return r;
  });
}

// Order matters: the first class whose ranges contain the address wins, so the specific
// metadata addresses come before the link-local and private ranges that hold them.
const CLASS_TABLE: readonly (readonly [AddressClass, readonly AddressRange[]])[] = [
  // AWS, GCP, Azure, OpenStack and others (IPv4), AWS (IPv6), Alibaba Cloud.
  ['metadata', ranges(['169.254.169.254/32', 'fd00:ec2::254/128', '100.100.100.200/32'])],
  ['unspecified', ranges(['0.0.0.0/8', '::/128'])],
  ['loopback', ranges(['127.0.0.0/8', '::1/128'])],
  ['private', ranges(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fec0::/10'])],
  ['link-local', ranges(['169.254.0.0/16', 'fe80::/10'])],
  ['unique-local', ranges(['fc00::/7'])],
  ['multicast', ranges(['224.0.0.0/4', 'ff00::/8'])],
  ['broadcast', ranges(['255.255.255.255/32'])],
  // IPv6 forms that carry an IPv4 address inside and can lead to it: mapped, compatible,
  // NAT64, 6to4 and Teredo. Refused as a whole rather than decoded and re-judged.
  ['ipv4-embedded', ranges(['::ffff:0:0/96', '::/96', '64:ff9b::/96', '64:ff9b:1::/48', '2002::/16', '2001::/32'])],
  // IETF protocol assignments, documentation, benchmarking, reserved, discard-only.
  [
    'reserved',
    ranges([
      '192.0.0.0/24',
      '192.0.2.0/24',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '240.0.0.0/4',
      '100::/64',
      '2001:db8::/32',
      '2001:2::/48',
    ]),
  ],
];

/** Which kind of place an address leads to. Throws on text that is not an IP literal. */
export function classifyAddress(text: string): AddressClass {
  const addr = parseAddress(text);
  if (!addr) throw new Error(`not an IP address: ${text}`);
  return classifyParsed(addr);
}

export function classifyParsed(addr: ParsedAddress): AddressClass {
  for (const [cls, list] of CLASS_TABLE) {
    if (list.some((r) => rangeContains(r, addr))) return cls;
  }
  return 'public';
}
