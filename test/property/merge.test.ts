// Properties of the mergers: the authorized_keys block (merge then remove gives the original bytes) and the managed /etc/hosts line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BLOCK_BEGIN, BLOCK_END, blockKeys, withKeyBlock } from '../../src/appliers/key-block.js';
import { hostsEntry, managedEntries, withHostsEntry } from '../../src/appliers/hosts-file.js';
import { RUNS, hostileText, typed } from './typed.js';

const WHERE = '/root/.ssh/authorized_keys';
const isMarker = (line: string): boolean => line.trimEnd() === BLOCK_BEGIN || line.trimEnd() === BLOCK_END;

/** An authorized_keys file as people leave them: keys with options, comments, blank lines, CRLF, no final newline. */
const userLine = fc.oneof(
  hostileText.map((text) => text.replace(/\n/g, ' ')),
  fc.constantFrom('', '# my laptop', 'command="/usr/bin/backup",no-pty ssh-ed25519 AAAAC3Nza backup', 'ssh-rsa AAAAB3 user@host\r', '# BEGIN something else'),
);
const userFile = fc.tuple(fc.array(userLine, { maxLength: 8 }), fc.boolean()).map(([lines, newline]) => {
  const text = lines.filter((line) => !isMarker(line)).join('\n');
  return newline && text !== '' ? `${text}\n` : text;
});
const keyLine = fc.stringMatching(/^(ssh-ed25519|ssh-rsa) [A-Za-z0-9+/]{4,40}( [a-z@.]{1,10})?$/);
const keys = fc.array(keyLine, { maxLength: 6 });

test('merging keys into a file and then removing them gives back the original bytes', () => {
  fc.assert(
    fc.property(userFile, keys, (text, lines) => {
      const merged = withKeyBlock(text, lines, WHERE);
      assert.equal(withKeyBlock(merged, [], WHERE), text);
      assert.equal(Buffer.from(withKeyBlock(merged, [], WHERE), 'latin1').equals(Buffer.from(text, 'latin1')), true);
    }),
    RUNS,
  );
});

test('merging twice equals merging once; the block holds exactly the keys; a new set replaces the old', () => {
  fc.assert(
    fc.property(userFile, keys, keys, (text, first, second) => {
      const once = withKeyBlock(text, first, WHERE);
      assert.equal(withKeyBlock(once, first, WHERE), once);
      assert.deepEqual(blockKeys(once, WHERE), first.length === 0 ? null : first);
      assert.equal(withKeyBlock(once, second, WHERE), withKeyBlock(text, second, WHERE));
    }),
    RUNS,
  );
});

test('every line outside an existing block is kept byte for byte, wherever the block is', () => {
  fc.assert(
    fc.property(userFile, userFile, keys, keys, (before, after, old, next) => {
      const head = before === '' || before.endsWith('\n') ? before : `${before}\n`;
      const text = `${head}${[BLOCK_BEGIN, ...old, BLOCK_END].join('\n')}\n${after}`;
      const merged = withKeyBlock(text, next, WHERE);
      assert.ok(merged.startsWith(head));
      assert.ok(merged.endsWith(after));
      assert.equal(withKeyBlock(merged, [], WHERE), `${head}${after}`);
    }),
    RUNS,
  );
});

test('any text, markers included: a result or a one-line ERR_FAILED naming the damaged block', () => {
  const markerish = fc.oneof(userLine, fc.constantFrom(BLOCK_BEGIN, BLOCK_END, `${BLOCK_END} `, `${BLOCK_BEGIN}\r`));
  fc.assert(
    fc.property(fc.array(markerish, { maxLength: 10 }), keys, (lines, next) => {
      const text = lines.join('\n');
      const merged = typed(() => withKeyBlock(text, next, WHERE));
      if (merged === undefined) assert.throws(() => withKeyBlock(text, next, WHERE), { code: 'ERR_FAILED' });
      else assert.deepEqual(typed(() => blockKeys(merged, WHERE)), next.length === 0 ? null : next);
    }),
    RUNS,
  );
});

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const names = fc.tuple(label, fc.array(label, { maxLength: 3 })).map(([short, rest]) => ({ short, fqdn: [short, ...rest].join('.') }));
const hostsLine = fc.oneof(
  hostileText.map((text) => text.replace(/\n/g, ' ')),
  fc.constantFrom('127.0.0.1\tlocalhost', '127.0.1.1 old-name', '::1 localhost ip6-localhost', '# comment', '', '10.0.0.1 other # managed by mdctl'),
);

test('/etc/hosts: one managed entry after merging, merging twice equals once, other lines kept in order', () => {
  fc.assert(
    fc.property(fc.array(hostsLine, { maxLength: 10 }), fc.boolean(), names, names, (lines, newline, first, second) => {
      const text = newline && lines.length > 0 ? `${lines.join('\n')}\n` : lines.join('\n');
      const entry = hostsEntry(first.fqdn, first.short);
      const once = withHostsEntry(text, entry);
      assert.equal(withHostsEntry(once, entry), once);
      assert.deepEqual(managedEntries(once), [entry]);
      const others = (t: string): string[] => t.split('\n').filter((line) => !managedEntries(line).length).filter((line, i, all) => !(line === '' && i === all.length - 1));
      assert.deepEqual(others(once), others(text));
      const next = hostsEntry(second.fqdn, second.short);
      assert.equal(withHostsEntry(once, next), withHostsEntry(withHostsEntry(text, next), next));
    }),
    RUNS,
  );
});
