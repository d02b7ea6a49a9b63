import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SandboxError } from '../../../src/core/errors';
import { compileRules, decide, normalizeHost, parseRule, ruleForHostPort } from '../../../src/core/network/rules';

test('an exact domain allows the web ports only, a port rule only its port', () => {
  const rules = compileRules({ allow: ['example.com', 'api.example.org:8443'], deny: [] });
  assert.equal(decide(rules, 'example.com', 443).verdict, 'allow');
  assert.equal(decide(rules, 'example.com', 80).verdict, 'allow');
  assert.equal(decide(rules, 'example.com', 22).verdict, 'deny');
  assert.equal(decide(rules, 'sub.example.com', 443).verdict, 'deny');
  assert.equal(decide(rules, 'api.example.org', 8443).verdict, 'allow');
  assert.equal(decide(rules, 'api.example.org', 443).verdict, 'deny');
  assert.equal(decide(rules, 'example.com', 443).rule, 'example.com');
});

test('a wildcard matches subdomains at any depth but not the domain itself', () => {
  const rules = compileRules({ allow: ['*.example.com:*'], deny: [] });
  assert.equal(decide(rules, 'a.example.com', 1234).verdict, 'allow');
  assert.equal(decide(rules, 'a.b.example.com', 443).verdict, 'allow');
  assert.equal(decide(rules, 'example.com', 443).verdict, 'deny');
  assert.equal(decide(rules, 'badexample.com', 443).verdict, 'deny');
  assert.equal(decide(rules, 'example.com.evil.net', 443).verdict, 'deny');
});

test('deny wins over allow, and a deny without a port covers every port', () => {
  const rules = compileRules({ allow: ['*.example.com:*'], deny: ['secret.example.com'] });
  const d = decide(rules, 'secret.example.com', 443);
  assert.equal(d.verdict, 'deny');
  assert.equal(d.rule, 'secret.example.com');
  assert.equal(decide(rules, 'secret.example.com', 8080).verdict, 'deny');
  assert.equal(decide(rules, 'public.example.com', 8080).verdict, 'allow');
});

test('hosts are compared in one spelling: case, trailing dot, punycode', () => {
  const rules = compileRules({ allow: ['Example.COM', 'bücher.example'], deny: [] });
  assert.equal(decide(rules, 'EXAMPLE.com.', 443).verdict, 'allow');
  assert.equal(decide(rules, 'xn--bcher-kva.example', 443).verdict, 'allow');
});

test('IP literals are refused unless listed, in any spelling', () => {
  const rules = compileRules({ allow: ['example.com'], deny: [], unlisted: 'ask' });
  for (const host of ['127.0.0.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1', '[::1]', '::1', '169.254.169.254']) {
    const d = decide(rules, host, 80);
    assert.equal(d.verdict, 'deny', host);
    assert.match(d.reason, /IP addresses are refused/, host);
  }
});

test('listed IP addresses and ranges allow IP literals', () => {
  const rules = compileRules({ allow: ['203.0.113.7', '10.0.0.0/8:*', '[2001:db8::1]:8443'], deny: ['10.9.0.0/16'] });
  assert.equal(decide(rules, '203.0.113.7', 443).verdict, 'allow');
  assert.equal(decide(rules, '203.0.113.8', 443).verdict, 'deny');
  assert.equal(decide(rules, '10.1.2.3', 5432).verdict, 'allow');
  assert.equal(decide(rules, '10.9.1.1', 5432).verdict, 'deny');
  assert.equal(decide(rules, '[2001:db8::1]', 8443).verdict, 'allow');
  assert.equal(decide(rules, '2001:0db8:0:0::1', 8443).verdict, 'allow');
});

test('unlisted hosts are denied, or asked about when the policy says so', () => {
  assert.equal(decide(compileRules({ allow: [], deny: [] }), 'example.com', 443).verdict, 'deny');
  assert.equal(decide(compileRules({ allow: [], deny: [], unlisted: 'ask' }), 'example.com', 443).verdict, 'ask');
  assert.equal(decide(compileRules({ allow: [], deny: ['example.com'], unlisted: 'ask' }), 'example.com', 443).verdict, 'deny');
});

test('hosts that a URL parser could read differently are not hosts', () => {
  for (const raw of ['user@example.com', 'example.com:443', 'exa mple.com', 'example.com/path', 'evil%2ecom', 'a..b', '', 'fe80::1%eth0']) {
    assert.equal(normalizeHost(raw), undefined, raw);
    assert.equal(decide(compileRules({ allow: ['example.com'], deny: [] }), raw, 443).verdict, 'deny', raw);
  }
});

test('bad rules are errors that name the rule and the fix', () => {
  for (const bad of ['*', 'exa*mple.com', '*.com', 'example.com:0', 'example.com:99999', 'example.com:http', '10.0.0.0/40', 'a b']) {
    assert.throws(
      () => parseRule(bad, 'allow'),
      (err: unknown) => err instanceof SandboxError && err.code === 'POLICY_INVALID' && err.message.includes(bad) && !!err.hint,
      bad,
    );
  }
});

test('the rule for a host the person allowed "always" matches exactly that host and port', () => {
  for (const [host, port] of [
    ['api.example.com', 8443],
    ['2001:db8::1', 443],
    ['203.0.113.7', 80],
  ] as const) {
    const rules = compileRules({ allow: [ruleForHostPort(host, port)], deny: [] });
    assert.equal(decide(rules, host, port).verdict, 'allow', `${host}:${port}`);
    assert.equal(decide(rules, host, port + 1).verdict, 'deny', `${host}:${port + 1}`);
  }
  const denied = compileRules({ allow: [ruleForHostPort('api.example.com', 443)], deny: ['api.example.com'] });
  assert.equal(decide(denied, 'api.example.com', 443).verdict, 'deny', 'a deny rule still wins');
});
