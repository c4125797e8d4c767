/** Every way a config gets disabled tells its org through `webhook.config.disabled`, once. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('config-disabled');
const stack = useStack(db);
const endpoint = useReceiver(undefined, { scope: 'each' });
const watcher = useReceiver(undefined, { scope: 'each' });

/** An org with config `main` on the endpoint and config `ops` on the watcher, subscribed to the announcement. */
async function orgWithWatcher(): Promise<string> {
  const org = uniqueOrg();
  await subscribe(stack, org, endpoint.url);
  const put = await stack.api('PUT', `/webhooks/${org}/configs/ops`, { url: watcher.url, eventNames: ['webhook.config.disabled'] });
  expect(put.status).toBe(201);
  return org;
}

/** The announcements the watcher received, once `count` have arrived. */
async function announcements(count: number): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const requests = await watcher.waitForRequests(count, 20_000);
  return requests.map((request) => JSON.parse(request.body) as { type: string; data: Record<string, unknown> });
}

/** Rows of the org's `webhook.config.disabled` events: more than one for one disable would be a double announcement. */
async function announcementEvents(org: string): Promise<number> {
  const { rows } = await db.pool.query(`SELECT 1 FROM events WHERE org_id = $1 AND event_name = 'webhook.config.disabled'`, [org]);
  return rows.length;
}

test('a 410 Gone disables the config and announces webhook.config.disabled to the org', async () => {
  endpoint.respond(respondWith(410));
  const org = await orgWithWatcher();
  const { deliveries } = await publish(stack, org);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');

  const config = (await stack.api<{ enabled: boolean; disabledReason: string; disabledAt: string }>('GET', `/webhooks/${org}/configs/main`)).body;
  expect(config).toMatchObject({ enabled: false, disabledReason: 'gone' });
  const [announcement] = await announcements(1);
  expect(announcement).toMatchObject({
    type: 'webhook.config.disabled',
    data: { configId: 'main', url: endpoint.url, reason: 'gone', disabledAt: config.disabledAt },
  });
  expect(await announcementEvents(org)).toBe(1);
});

test('disabling a config through the API announces it once; a write that leaves it disabled announces nothing', async () => {
  const org = await orgWithWatcher();
  const disable = await stack.api<{ enabled: boolean; disabledAt: string }>('PUT', `/webhooks/${org}/configs/main`, {
    url: endpoint.url,
    eventNames: ['order.created'],
    enabled: false,
  });
  expect(disable.status).toBe(200);
  expect(disable.body.enabled).toBe(false);
  const [announcement] = await announcements(1);
  expect(announcement).toMatchObject({
    type: 'webhook.config.disabled',
    data: { configId: 'main', url: endpoint.url, reason: 'disabled by user', disabledAt: disable.body.disabledAt },
  });

  // Already disabled: a second write changes the description only.
  const again = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { description: 'paused', enabled: false });
  expect(again.status).toBe(200);
  // The announcement is written in the disabling transaction: once the API has answered, it is there or it never will be.
  expect(await announcementEvents(org)).toBe(1);

  // Enabled and disabled again (PATCH this time): a second disable, a second announcement.
  expect((await stack.api('PATCH', `/webhooks/${org}/configs/main`, { enabled: true })).status).toBe(200);
  expect((await stack.api('PATCH', `/webhooks/${org}/configs/main`, { enabled: false })).status).toBe(200);
  expect(await announcementEvents(org)).toBe(2);
  const [, second] = await announcements(2);
  expect(second.data).toMatchObject({ configId: 'main', reason: 'disabled by user' });
});
