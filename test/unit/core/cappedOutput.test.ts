import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CappedOutput } from '../../../src/core/engine/cappedOutput';

describe('capped output', () => {
  it('keeps everything under the cap', () => {
    const out = new CappedOutput(100);
    out.push(Buffer.from('hello '));
    out.push(Buffer.from('world'));
    assert.equal(out.toBuffer().toString(), 'hello world');
    assert.equal(out.dropped, 0);
  });

  it('keeps the head and the tail, counts what it dropped, and stays bounded', () => {
    const out = new CappedOutput(10);
    for (let i = 0; i < 1000; i++) out.push(Buffer.from(String(i % 10)));
    const text = out.toBuffer().toString();
    assert.ok(text.startsWith('01234'), text);
    assert.ok(text.endsWith('56789'), text);
    assert.equal(out.dropped, 990);
    assert.match(text, /990 bytes dropped/);
  });

  it('splits a single large chunk between head and tail', () => {
    const out = new CappedOutput(8);
    out.push(Buffer.from('abcdefghijklmnopqrstuvwxyz'));
    assert.equal(out.dropped, 18);
    const text = out.toBuffer().toString();
    assert.ok(text.startsWith('abcd') && text.endsWith('wxyz'), text);
  });
});
