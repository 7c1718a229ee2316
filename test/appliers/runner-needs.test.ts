// The runner's rule for broken files: an applier whose needed part of the document is null fails with the problem's reason; the others run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPlanned, planAppliers, rememberedState } from '../../src/appliers/runner.js';
import type { Applier } from '../../src/core/applier.js';
import { doc } from './root.js';

const OPTIONS = { root: '/tmp/none', live: false, dryRun: false, user: undefined };

function applier(id: string, needs: unknown): Applier & { planned: number } {
  const self = {
    id,
    description: id,
    needs: needs as Applier['needs'],
    planned: 0,
    async plan() {
      self.planned += 1;
      return [{ applier: id, action: 'create' as const, target: 't', summary: 's' }];
    },
    async apply() {},
    remember: () => ['new'],
  };
  return self;
}

test('needs a null part: failed with the reason of the problem, never planned, state kept; the others plan and apply', async () => {
  const broken = doc({ networks: null, routes: null, dns_nameservers: null, problems: [{ file: 'network_data.json', reason: 'network_data.json: links[0].id: missing' }] });
  const network = applier('network', ['networks']);
  const other = applier('other', undefined);
  const odd = applier('odd', 'networks');
  const runs = await planAppliers([network, other, odd], broken, OPTIONS, { network: ['old'] });
  assert.deepEqual(runs[0]?.errors, ['needs networks, which the metadata does not give: network_data.json: links[0].id: missing']);
  assert.equal(network.planned, 0);
  assert.deepEqual([runs[1]?.errors, runs[2]?.errors], [[], []], 'no needs, or needs that are not a list: planned as usual');
  await applyPlanned(runs);
  assert.deepEqual(rememberedState(runs, { network: ['old'] }), { network: ['old'], other: ['new'], odd: ['new'] });
});

test('the same applier on a document that has the part: planned as usual (an empty list is not a missing one)', async () => {
  const network = applier('network', ['networks', 'routes']);
  const runs = await planAppliers([network], doc({ networks: [], routes: [] }), OPTIONS, {});
  assert.deepEqual(runs[0]?.errors, []);
  assert.equal(network.planned, 1);
});
