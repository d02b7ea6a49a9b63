// How a sandbox terminal ends: the sandbox stopping is a normal end ("Sandbox stopped"), a
// shell the person ended with a code keeps that code, and an unknown result says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideShellEnd } from '../../../src/extension/terminal/shellEnd';

test('Stop or Reset (the controller left the session) ends the terminal as "sandbox stopped", whatever the exit code', () => {
  assert.deepEqual(decideShellEnd({ sessionGone: true, exitCode: 137, container: undefined }), { kind: 'sandboxStopped' });
  assert.deepEqual(decideShellEnd({ sessionGone: true, exitCode: undefined, container: undefined }), { kind: 'sandboxStopped' });
});

test('a container stopped or removed outside the extension is the sandbox stopping too', () => {
  assert.deepEqual(decideShellEnd({ sessionGone: false, exitCode: 137, container: 'stopped' }), { kind: 'sandboxStopped' });
  assert.deepEqual(decideShellEnd({ sessionGone: false, exitCode: undefined, container: 'removed' }), { kind: 'sandboxStopped' });
});

test("the shell's own exit keeps its code, also 137 from a kill inside a running sandbox", () => {
  assert.deepEqual(decideShellEnd({ sessionGone: false, exitCode: 0, container: 'running' }), { kind: 'exited', code: 0 });
  assert.deepEqual(decideShellEnd({ sessionGone: false, exitCode: 3, container: 'running' }), { kind: 'exited', code: 3 });
  assert.deepEqual(decideShellEnd({ sessionGone: false, exitCode: 137, container: 'running' }), { kind: 'exited', code: 137 });
});

test('with no exit code and a container in an unknown state the result is unknown, not a success', () => {
  assert.deepEqual(decideShellEnd({ sessionGone: false, exitCode: undefined, container: 'unknown' }), { kind: 'lost' });
  assert.deepEqual(decideShellEnd({ sessionGone: false, exitCode: undefined, container: 'running' }), { kind: 'lost' });
});
