// Error codes map to the documented exit statuses; quote() keeps hostile values on one line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Exit, MdctlError, exitStatusOf, oneLine, quote } from '../../src/core/errors.js';

test('error codes map to the exit statuses of the contract', () => {
  assert.equal(new MdctlError('ERR_USAGE', 'x').exitStatus, Exit.USAGE);
  assert.equal(new MdctlError('ERR_TIMEOUT', 'x').exitStatus, Exit.UNREACHABLE);
  assert.equal(new MdctlError('ERR_FORBIDDEN', 'x').exitStatus, Exit.REJECTED);
  assert.equal(new MdctlError('ERR_PARTIAL', 'x').exitStatus, Exit.PARTIAL);
  assert.equal(new MdctlError('ERR_NO_SUCH_KEY', 'x').exitStatus, Exit.FAILURE);
  assert.equal(exitStatusOf(new Error('boom')), Exit.FAILURE);
});

test('quote escapes control characters and cuts long values', () => {
  assert.equal(quote('a\nb'), '"a\\nb"');
  assert.equal(quote('x'.repeat(100), 10), `"${'x'.repeat(10)}…"`);
  assert.ok(!quote('a;rm -rf /\r\n').includes('\n'));
});

test('oneLine folds any thrown value onto one printable line, never empty', () => {
  assert.equal(oneLine(new Error('first\n  second\r\nthird')), 'first second third');
  assert.equal(oneLine('tab\there\u0007bell  two  spaces'), 'tab here bell  two  spaces');
  assert.equal(oneLine('a\u2028b'), 'a b');
  assert.equal(oneLine(undefined), 'undefined');
  assert.equal(oneLine(new Error('')), 'failed without a message');
  assert.equal(oneLine(Object.create(null)), 'a object that cannot be shown');
  assert.equal(oneLine({ toString: () => 'custom' }), 'custom');
});
