// The HTTP client's observer (the boot report's timeline): one step per exchange, each try and each redirect hop, with status, bytes and time; a failed try says why.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { Deadline } from '../../src/core/deadline.js';
import type { HttpStep, TimelineStep } from '../../src/core/timeline.js';
import { createClient } from '../../src/net/http.js';
import { closedPort } from '../sources/front.js';

const servers: http.Server[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function observed(): { steps: HttpStep[]; observe: (step: TimelineStep) => void } {
  const steps: HttpStep[] = [];
  return { steps, observe: (step) => steps.push(step as HttpStep) };
}

describe('the HTTP client observer', () => {
  it('hears each try and each redirect hop with its status, bytes and time', async () => {
    let tries = 0;
    const base = await serve((req, res) => {
      if (req.url === '/old') return void res.writeHead(301, { location: '/openstack' }).end();
      tries += 1;
      if (tries === 1) return void res.writeHead(503).end('busy');
      res.end('2012-08-10\nlatest');
    });
    const { steps, observe } = observed();
    const client = createClient(base, { deadline: new Deadline(10_000), observe, sleep: async () => undefined });
    try {
      const response = await client.request('/old');
      assert.equal(response.status, 200);
    } finally {
      client.close();
    }
    assert.deepEqual(
      steps.map(({ step, method, endpoint, path, status, bytes }) => ({ step, method, endpoint, path, status, bytes })),
      [
        { step: 'http', method: 'GET', endpoint: base, path: '/old', status: 301, bytes: 0 },
        { step: 'http', method: 'GET', endpoint: base, path: '/openstack', status: 503, bytes: 4 },
        { step: 'http', method: 'GET', endpoint: base, path: '/old', status: 301, bytes: 0 },
        { step: 'http', method: 'GET', endpoint: base, path: '/openstack', status: 200, bytes: 17 },
      ],
    );
    for (const step of steps) {
      assert.ok(step.ms >= 0 && Number.isInteger(step.ms));
      assert.ok(Math.abs(Date.parse(step.at) - Date.now()) < 60_000);
    }
  });

  it('a try that got no answer has status null and the cause', async () => {
    const { steps, observe } = observed();
    const client = createClient(await closedPort(), { deadline: new Deadline(10_000), observe });
    try {
      await assert.rejects(client.request('/openstack', { retry: false }), { code: 'ERR_UNREACHABLE' });
    } finally {
      client.close();
    }
    assert.equal(steps.length, 1);
    assert.deepEqual({ status: steps[0]?.status, bytes: steps[0]?.bytes, error: steps[0]?.error }, { status: null, bytes: 0, error: 'connection refused (ECONNREFUSED)' });
  });
});
