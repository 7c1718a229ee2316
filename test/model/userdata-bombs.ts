// Test helper: user-data that is small on the wire and asks for much work (many MIME parts).

/** A multipart message of `count` parts, each `part` (default: empty, no headers). */
export function manyParts(count: number, part = ''): Buffer {
  const head = 'Content-Type: multipart/mixed; boundary=b\nMIME-Version: 1.0\n\n';
  return Buffer.from(`${head}${`--b\n${part}\n`.repeat(count)}--b--\n`);
}
