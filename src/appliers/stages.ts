// Which built-in appliers run in the local stage (`boot --local`, before networking): those that put the guest on its network.
import type { Applier } from './types.js';

/** The local stage's appliers by id; the rest waits for `boot`. An id not registered (yet) simply does not run. */
const LOCAL_STAGE_IDS: readonly string[] = ['network', 'routes'];

/** The appliers of the local stage, in the registry's order. */
export function localStageAppliers(appliers: readonly Applier[]): Applier[] {
  return appliers.filter((applier) => LOCAL_STAGE_IDS.includes(applier.id));
}
