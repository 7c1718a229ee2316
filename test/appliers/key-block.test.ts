// The marked key block: added at the top, replaced in place, removed to give back the original bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_BEGIN, BLOCK_END, blockKeys, withKeyBlock } from '../../src/appliers/key-block.js';

const FILES = ['', 'ssh-ed25519 AAAA me\n', 'no newline at end', '\n\n', 'a\r\nb\r\n', '# only a comment\n'];

test('merging keys then removing them gives back the original bytes', () => {
  for (const original of FILES) {
    const merged = withKeyBlock(original, ['ssh-rsa K1 one', 'ssh-rsa K2 two'], 'f');
    assert.equal(merged, `${BLOCK_BEGIN}\nssh-rsa K1 one\nssh-rsa K2 two\n${BLOCK_END}\n${original}`);
    assert.deepEqual(blockKeys(merged, 'f'), ['ssh-rsa K1 one', 'ssh-rsa K2 two']);
    assert.equal(withKeyBlock(merged, [], 'f'), original, JSON.stringify(original));
    assert.equal(withKeyBlock(merged, ['ssh-rsa K2 two'], 'f'), `${BLOCK_BEGIN}\nssh-rsa K2 two\n${BLOCK_END}\n${original}`);
  }
});

test('a block the user moved is replaced where it is', () => {
  const text = `first\n${BLOCK_BEGIN}\nold\n${BLOCK_END}\nlast\n`;
  assert.equal(withKeyBlock(text, ['new'], 'f'), `first\n${BLOCK_BEGIN}\nnew\n${BLOCK_END}\nlast\n`);
  assert.equal(withKeyBlock(text, [], 'f'), 'first\nlast\n');
});

test('no block and no keys leaves the text as it is', () => {
  assert.equal(withKeyBlock('x\n', [], 'f'), 'x\n');
  assert.equal(blockKeys('x\n', 'f'), null);
});

test('damaged blocks are refused', () => {
  for (const text of [`${BLOCK_BEGIN}\nk\n`, `k\n${BLOCK_END}\n`, `${BLOCK_END}\n${BLOCK_BEGIN}\n`, `${BLOCK_BEGIN}\n${BLOCK_END}\n${BLOCK_BEGIN}\n${BLOCK_END}\n`]) {
    assert.throws(() => withKeyBlock(text, ['k'], '/home/a/.ssh/authorized_keys'), /"\/home\/a\/.ssh\/authorized_keys": its mdctl block is damaged/);
  }
});
