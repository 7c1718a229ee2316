// What a source hands to the model: the files it read, parsed where they are JSON, before normalising.
import type { Problem, SourceKind } from './instance.js';

export interface RawOpenStack {
  /** meta_data.json, parsed (shape not yet checked). */
  meta_data: unknown;
  /** Parsed JSON, or undefined when the file is absent at that version or 404. */
  network_data?: unknown;
  vendor_data?: unknown;
  vendor_data2?: unknown;
  /** user_data bytes, or null when absent. */
  user_data: Buffer | null;
  /** Optional files that were read but do not parse (that file is then undefined above). */
  problems?: Problem[];
}

export interface RawEc2 {
  /** The meta-data tree: a string per leaf, an object per directory ("public-keys": {"0": {"openssh-key": "..."}}). */
  'meta-data': Record<string, unknown>;
  user_data: Buffer | null;
}

export interface RawMetadata {
  kind: SourceKind;
  /** Base URL that answered, or the config drive directory. */
  endpoint: string;
  version: string;
  /** Paths read, relative to the version root, in request order. */
  files: string[];
  openstack?: RawOpenStack;
  ec2?: RawEc2;
}
