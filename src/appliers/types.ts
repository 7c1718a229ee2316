// The applier types, re-exported from core for plugin authors and the appliers of this folder.
export type { Applier, ApplyContext, Change, ChangeAction, ChangeResult, ProgressResult, ProgressStatus, ResultStatus } from '../core/applier.js';
