import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeWindow, sameWindow, scrollTopToReveal } from '../../../webview/src/model/virtualWindow';

describe('computeWindow', () => {
  const base = { rowHeight: 20, viewportHeight: 200, rowCount: 1000, overscan: 5 };

  it('renders the visible rows plus overscan below at the top', () => {
    assert.deepEqual(computeWindow({ ...base, scrollTop: 0 }), { start: 0, end: 15, offsetTop: 0, totalHeight: 20000 });
  });

  it('adds overscan on both sides in the middle', () => {
    const window = computeWindow({ ...base, scrollTop: 1000 });
    assert.equal(window.start, 45);
    assert.equal(window.end, 65);
    assert.equal(window.offsetTop, 900);
  });

  it('counts a partly visible row at the bottom as visible', () => {
    const window = computeWindow({ ...base, overscan: 0, scrollTop: 10 });
    assert.equal(window.start, 0);
    assert.equal(window.end, 11);
  });

  it('clamps a scroll position past the end (e.g. after the list shrank)', () => {
    const window = computeWindow({ ...base, rowCount: 30, scrollTop: 99999 });
    assert.equal(window.end, 30);
    assert.equal(window.start, 20 - 5);
    assert.equal(window.totalHeight, 600);
  });

  it('handles an empty list and a list shorter than the viewport', () => {
    assert.deepEqual(computeWindow({ ...base, rowCount: 0, scrollTop: 50 }), { start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
    const short = computeWindow({ ...base, rowCount: 3, scrollTop: 0 });
    assert.equal(short.start, 0);
    assert.equal(short.end, 3);
  });

  it('renders at least one row when the viewport has no height yet', () => {
    const window = computeWindow({ ...base, viewportHeight: 0, overscan: 0, scrollTop: 0 });
    assert.equal(window.end - window.start, 1);
  });

  it('keeps the rendered row count bounded for huge lists', () => {
    const window = computeWindow({ ...base, rowCount: 100_000, scrollTop: 1_000_000 });
    assert.ok(window.end - window.start <= 200 / 20 + 1 + 2 * 5);
  });
});

describe('scrollTopToReveal', () => {
  it('leaves a visible row alone', () => {
    assert.equal(scrollTopToReveal(5, 0, 200, 20), undefined);
  });
  it('scrolls up to a row above the viewport', () => {
    assert.equal(scrollTopToReveal(2, 100, 200, 20), 40);
  });
  it('scrolls down just enough for a row below the viewport', () => {
    assert.equal(scrollTopToReveal(20, 0, 200, 20), 220);
  });
  it('treats a half-hidden row at the bottom as not visible', () => {
    assert.equal(scrollTopToReveal(9, 10, 200, 20), undefined);
    assert.equal(scrollTopToReveal(10, 10, 200, 20), 20);
  });
});

describe('sameWindow', () => {
  it('compares start, end and total height', () => {
    const a = { start: 1, end: 5, offsetTop: 20, totalHeight: 100 };
    assert.equal(sameWindow(undefined, a), false);
    assert.equal(sameWindow(a, { ...a }), true);
    assert.equal(sameWindow(a, { ...a, totalHeight: 120 }), false);
  });
});
