import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNetworkLog, type NetworkLogRecord } from '../../../src/core/network/log';

describe('the network log as a person reads it', () => {
  it('says when there were no requests', () => {
    assert.match(formatNetworkLog([]), /No network requests yet/);
  });

  it('gives one line per request with the decision, the rule, the answer and the address', () => {
    const records: NetworkLogRecord[] = [
      {
        time: '2026-11-23T10:00:00.000Z',
        method: 'CONNECT',
        host: 'registry.npmjs.org',
        port: 443,
        decision: 'allow',
        reason: 'allowed by rule',
        rule: 'registry.npmjs.org',
        address: '104.16.0.1',
        injected: ['Authorization'],
      },
      { time: '2026-11-23T10:00:01.000Z', method: 'GET', host: 'evil.test', port: 80, decision: 'deny', reason: 'not on the allowlist' },
      {
        time: '2026-11-23T10:00:02.000Z',
        method: 'CONNECT',
        host: 'api.example.com',
        port: 443,
        decision: 'allow',
        reason: 'asked',
        answer: 'once',
        address: '93.184.216.34',
      },
    ];
    const text = formatNetworkLog(records);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], '3 requests, 1 denied');
    assert.equal(lines.length, 5, 'a summary, a blank line and a line per request');
    assert.match(
      lines[2]!,
      /ALLOWED\s+CONNECT registry\.npmjs\.org:443 .*rule registry\.npmjs\.org.*via 104\.16\.0\.1.*added Authorization/,
    );
    assert.match(lines[3]!, /DENIED\s+GET evil\.test:80\s+\(not on the allowlist\)/);
    assert.match(lines[4]!, /you answered once/);
  });
});
