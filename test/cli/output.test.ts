// Output.value: indented JSON/YAML for ordinary values, compact for huge ones so nesting cannot multiply the size.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { Output } from '../../src/cli/output.js';

function capture(options: { yaml?: boolean }): { out: Output; text: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const out = new Output(options, {}, stdout as unknown as NodeJS.WriteStream, new PassThrough() as unknown as NodeJS.WriteStream);
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = { k: [value] };
  return value;
}

test('an ordinary value prints as indented JSON', async () => {
  const { out, text } = capture({});
  await out.value({ a: [1, 'x'] });
  assert.equal(text(), '{\n  "a": [\n    1,\n    "x"\n  ]\n}\n');
});

test('a value over 256 KiB prints compact, at most its own size, in JSON and in YAML', async () => {
  const big = nested(40, 'x'.repeat(300 * 1024));
  const size = JSON.stringify(big).length;
  const json = capture({});
  await json.out.value(big);
  assert.equal(json.text(), `${JSON.stringify(big)}\n`);
  const yaml = capture({ yaml: true });
  await yaml.out.value(big);
  assert.ok(yaml.text().length < size * 1.1, `${yaml.text().length} vs ${size}`);
  assert.deepEqual(load(yaml.text()), big);
});
