// /etc/hosts editing: one managed "127.0.1.1 <fqdn> <short>" line, every other line kept byte for byte.

const HOSTS_MARKER = '# managed by mdctl';

const MANAGED = /#\s*managed by mdctl\s*$/;

/** The managed line for a name pair. */
export function hostsEntry(fqdn: string, short: string): string {
  const names = fqdn === short ? short : `${fqdn} ${short}`;
  return `127.0.1.1\t${names}\t${HOSTS_MARKER}`;
}

/** The managed lines currently in the file. */
export function managedEntries(text: string): string[] {
  return text.split('\n').filter((line) => MANAGED.test(line));
}

/**
 * The file with exactly one managed entry: the first managed line replaced in place (others
 * removed), or a new line before the first other 127.0.1.1 line, after the first 127.0.0.1
 * line, or at the end.
 */
export function withHostsEntry(text: string, entry: string): string {
  if (text === '') return `${entry}\n`;
  const lines = text.split('\n');
  const managed = lines.findIndex((line) => MANAGED.test(line));
  if (managed >= 0) {
    return lines.flatMap((line, index) => (index === managed ? [entry] : MANAGED.test(line) ? [] : [line])).join('\n');
  }
  const other = lines.findIndex((line) => /^\s*127\.0\.1\.1\s/.test(line));
  const loopback = lines.findIndex((line) => /^\s*127\.0\.0\.1\s/.test(line));
  const at = other >= 0 ? other : loopback >= 0 ? loopback + 1 : -1;
  if (at >= 0) return [...lines.slice(0, at), entry, ...lines.slice(at)].join('\n');
  return text.endsWith('\n') ? `${text}${entry}\n` : `${text}\n${entry}\n`;
}
