// The EC2-compatible meta-data tree -> the parts of the instance document it can fill.
import type { PublicKey } from '../core/instance.js';
import { Fields, invalid, isObject } from './fields.js';

const FILE = 'meta-data';

interface Ec2Part {
  instance_id: string;
  hostname: string | null;
  availability_zone: string | null;
  launch_index: number | null;
  public_keys: PublicKey[];
}

/**
 * public-keys as the crawler stores it: one entry per listing line, keyed "0=<name>" (or "0"),
 * whose value is the key's directory ({"openssh-key": "..."}) or the key text itself.
 */
function publicKeys(tree: Fields): PublicKey[] {
  const dir = tree.object('public-keys');
  if (dir === null) return [];
  const keys: { index: number; key: PublicKey }[] = [];
  for (const [entry, value] of Object.entries(dir.value)) {
    const match = /^(\d+)(?:=(.*))?$/s.exec(entry);
    if (match === null) throw invalid(FILE, `public-keys.${entry}`, 'not an index (expected "<n>=<name>")');
    const index = Number(match[1]);
    const name = match[2] ?? String(index);
    const data = isObject(value)
      ? dir.object(entry)?.requiredString('openssh-key')
      : typeof value === 'string'
        ? value
        : undefined;
    if (data === undefined) throw dir.fail(entry, 'not a key directory or key text');
    keys.push({ index, key: { name, type: 'ssh', data } });
  }
  return keys.sort((a, b) => a.index - b.index).map(({ key }) => key);
}

function launchIndex(tree: Fields): number | null {
  const text = tree.string('ami-launch-index');
  if (text === null) return null;
  if (!/^\d{1,9}$/.test(text.trim())) throw tree.fail('ami-launch-index', 'not an integer');
  return Number(text.trim());
}

/** Normalises the EC2 meta-data tree (a string per leaf, an object per directory). */
export function normalizeEc2(metaData: unknown): Ec2Part {
  const tree = Fields.of(FILE, metaData);
  return {
    instance_id: tree.identifier('instance-id'),
    hostname: tree.string('hostname') ?? tree.string('local-hostname'),
    availability_zone: tree.object('placement')?.string('availability-zone') ?? null,
    launch_index: launchIndex(tree),
    public_keys: publicKeys(tree),
  };
}
