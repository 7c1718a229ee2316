// /etc/hosts editing: one managed line, placed before other 127.0.1.1 lines or after localhost; the rest untouched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostsEntry, managedEntries, withHostsEntry } from '../../src/appliers/hosts-file.js';

const ENTRY = hostsEntry('web1.example.com', 'web1');

test('the entry names FQDN and short name, or the short name alone', () => {
  assert.equal(ENTRY, '127.0.1.1\tweb1.example.com web1\t# managed by mdctl');
  assert.equal(hostsEntry('web1', 'web1'), '127.0.1.1\tweb1\t# managed by mdctl');
});

test('placement: before another 127.0.1.1 line, after 127.0.0.1, else at the end', () => {
  assert.equal(withHostsEntry('127.0.0.1 localhost\n127.0.1.1 debian\n', ENTRY), `127.0.0.1 localhost\n${ENTRY}\n127.0.1.1 debian\n`);
  assert.equal(withHostsEntry('127.0.0.1 localhost\n::1 localhost\n', ENTRY), `127.0.0.1 localhost\n${ENTRY}\n::1 localhost\n`);
  assert.equal(withHostsEntry('10.0.0.1 db', ENTRY), `10.0.0.1 db\n${ENTRY}\n`);
  assert.equal(withHostsEntry('', ENTRY), `${ENTRY}\n`);
});

test('an existing managed line is replaced in place; extra ones go', () => {
  const text = `a\n127.0.1.1 old # managed by mdctl\nb\n127.0.1.1 older   #managed by mdctl \n`;
  assert.deepEqual(managedEntries(text).length, 2);
  assert.equal(withHostsEntry(text, ENTRY), `a\n${ENTRY}\nb\n`);
  assert.equal(withHostsEntry(withHostsEntry(text, ENTRY), ENTRY), `a\n${ENTRY}\nb\n`);
});
