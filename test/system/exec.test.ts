// execFile without a shell: arguments pass through untouched; failures are ERR_EXEC with stderr's first line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exec } from '../../src/system/exec.js';

test('arguments reach the program as they are, never through a shell', async () => {
  const { stdout } = await exec(['printf', '%s|', 'a;echo hacked', '$(id)', '*']);
  assert.equal(stdout, 'a;echo hacked|$(id)|*|');
});

test('a failing command is ERR_EXEC naming the command and its stderr', async () => {
  await assert.rejects(exec(['sh', '-c', 'echo "first problem" >&2; echo second >&2; exit 3']), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_EXEC');
    assert.match(error.message, /failed: "first problem"$/);
    return true;
  });
});

test('a missing program and a timeout are ERR_EXEC too', async () => {
  await assert.rejects(exec(['mdctl-no-such-program']), /is not installed/);
  await assert.rejects(exec(['sleep', '5'], { timeoutMs: 100 }), /timed out after 100 ms/);
  await assert.rejects(exec([]), /empty command/);
});

test('input reaches stdin; allowFailure gives a non-zero status with the whole stderr instead of an error', async () => {
  assert.deepEqual(await exec(['cat'], { input: 'line one\nline two\n' }), { stdout: 'line one\nline two\n', stderr: '', status: 0 });
  const failed = await exec(['sh', '-c', 'cat >&2; exit 4'], { input: 'a\nb\n', allowFailure: true });
  assert.deepEqual(failed, { stdout: '', stderr: 'a\nb\n', status: 4 });
  await assert.rejects(exec(['sh', '-c', 'kill -9 $$'], { allowFailure: true }), /failed/);
  await assert.rejects(exec(['mdctl-no-such-program'], { allowFailure: true }), /is not installed/);
});
