// The user-data types: what each detected part is, and the parse result the appliers and `get user-data.parts` share.

/** Nova refuses user_data over 65535 bytes; so does mdctl. */
export const MAX_USER_DATA_BYTES = 65_535;
/** gzip is inflated to at most this many bytes in all, over every part: a zip bomb is refused, not inflated. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;
/** How deep multipart messages and gzip layers may nest. */
export const MAX_NESTING = 4;
/** Parts in all, nested ones included: a few KiB of gzip can hold millions of empty parts; more is refused as a whole. */
export const MAX_PARTS = 1000;

/**
 * What a part holds. Only cloud-config and script are acted on; the rest are kept and reported,
 * never run.
 */
export type PartType =
  | 'cloud-config'
  | 'script'
  | 'boothook'
  | 'include'
  | 'part-handler'
  | 'cloud-config-archive'
  | 'cloud-config-jsonp'
  | 'jinja'
  | 'multipart'
  | 'text'
  | 'binary';

export const ACTED_ON: readonly PartType[] = ['cloud-config', 'script'];

/** One part as `mdctl get user-data.parts` shows it. */
export interface PartInfo {
  /** 0-based, in the order the parts appear (nested multiparts flattened). */
  index: number;
  type: PartType;
  /** The MIME type given or detected, e.g. "text/x-shellscript". */
  content_type: string;
  /** From Content-Disposition (or Content-Type name=), as sent; never used as a path. */
  filename?: string;
  /** Bytes after transfer decoding and gzip. */
  size: number;
  /** Set when the part (or the whole user-data around it) was gzip-compressed. */
  gzip?: boolean;
  /** Why this part cannot be used; any error makes the user-data appliers fail. */
  error?: string;
}

/** A part with its decoded bytes, and its parsed document when it is cloud-config. */
export interface UserDataPart extends PartInfo {
  body: Buffer;
  cloudConfig?: Record<string, unknown>;
}

export interface UserData {
  /** Bytes as the service sent them. */
  size: number;
  parts: UserDataPart[];
  /** Every part error, "part N: why", in order; empty when the user-data can be acted on. */
  errors: string[];
}
