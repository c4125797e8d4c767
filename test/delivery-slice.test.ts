/** The thinnest slice end to end: a published event reaches a local receiver through a Temporal workflow. */
import { useDatabase } from './helpers/fixtures';
import { startReceiver } from './helpers/receiver';
import { startStack } from './helpers/stack';

const db = useDatabase('delivery-slice');

test('a published event reaches a local receiver through a Temporal workflow', async () => {
  const receiver = await startReceiver();
  const stack = await startStack(db);
  try {
    expect((await stack.api('PUT', '/event-types/order.created', { description: 'An order was placed' })).status).toBe(201);
    const put = await stack.api('PUT', '/webhooks/acme/configs/main', { url: receiver.url, eventNames: ['order.created'] });
    expect(put.status).toBe(201);

    const published = await stack.api<{ eventId: string; deliveries: { deliveryId: string; workflowId: string }[] }>(
      'POST',
      '/webhooks/acme/events',
      { eventName: 'order.created', data: { orderId: 'o-1', total: 120 } },
    );
    expect(published.status).toBe(202);
    expect(published.body.deliveries).toHaveLength(1);

    const [request] = await receiver.waitForRequests(1);
    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body)).toMatchObject({ type: 'order.created', data: { orderId: 'o-1', total: 120 } });

    const { workflowId } = published.body.deliveries[0];
    const result = await stack.client.workflow.getHandle(workflowId).result();
    expect(result).toEqual({ status: 'delivered', attempts: 1 });
  } finally {
    await stack.stop();
    await receiver.close();
  }
});
