import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAddress, parseAddress, parseRange, rangeContains } from '../../../src/core/network/addresses';

test('classifies the places an address leads to', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:127.0.0.1', 'ipv4-embedded'],
    ['::ffff:8.8.8.8', 'ipv4-embedded'],
    ['::ffff:a9fe:a9fe', 'ipv4-embedded'],
    ['64:ff9b::a9fe:a9fe', 'ipv4-embedded'],
    ['2002:a9fe:a9fe::1', 'ipv4-embedded'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ];
  for (const [addr, cls] of cases) assert.equal(classifyAddress(addr), cls, addr);
});

test('boundaries of the private ranges are exact', () => {
  assert.equal(classifyAddress('172.15.255.255'), 'public');
  assert.equal(classifyAddress('172.32.0.0'), 'public');
  assert.equal(classifyAddress('100.63.255.255'), 'public');
  assert.equal(classifyAddress('100.128.0.0'), 'public');
  assert.equal(classifyAddress('11.0.0.0'), 'public');
  assert.equal(classifyAddress('169.253.255.255'), 'public');
});

test('parses IPv6 in every spelling to the same number', () => {
  const a = parseAddress('::ffff:1.2.3.4');
  const b = parseAddress('0:0:0:0:0:ffff:102:304');
  assert.ok(a && b);
  assert.equal(a.value, b.value);
  assert.equal(parseAddress('1:2:3:4:5:6:7:8')!.value, 0x00010002000300040005000600070008n);
  assert.equal(parseAddress('fe80::1%eth0'), undefined);
  assert.equal(parseAddress('not an address'), undefined);
  assert.throws(() => classifyAddress('example.com'), /not an IP address/);
});

test('ranges contain what their prefix says', () => {
  const r = parseRange('10.0.0.0/8')!;
  assert.ok(rangeContains(r, parseAddress('10.255.0.1')!));
  assert.ok(!rangeContains(r, parseAddress('11.0.0.1')!));
  assert.ok(!rangeContains(r, parseAddress('::ffff:10.0.0.1')!), 'an IPv6 address is not in an IPv4 range');
  assert.equal(parseRange('10.0.0.0/33'), undefined);
  assert.equal(parseRange('10.0.0.0/x'), undefined);
  assert.ok(rangeContains(parseRange('fd00::/8')!, parseAddress('fdff::1')!));
});
