/** The Slack and Teams transform presets produce the shapes those incoming webhooks accept. */
import Ajv from 'ajv';
import { compileTransform, evaluateTransform } from '../src/delivery/transform';

/**
 * The documented shapes of the incoming webhooks of Slack (https://api.slack.com/messaging/webhooks,
 * https://api.slack.com/reference/block-kit/blocks) and Microsoft Teams
 * (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using,
 * https://adaptivecards.io/explorer/), with the limits Slack enforces on text.
 */
const plainText = { type: 'object', required: ['type', 'text'], properties: { type: { const: 'plain_text' }, text: { type: 'string', minLength: 1 } } };
const textObject = {
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { enum: ['plain_text', 'mrkdwn'] }, text: { type: 'string', minLength: 1, maxLength: 3000 } },
};
const slackSchema = {
  type: 'object',
  required: ['text', 'blocks'],
  properties: {
    text: { type: 'string', minLength: 1 },
    blocks: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        oneOf: [
          { type: 'object', required: ['type', 'text'], additionalProperties: false, properties: { type: { const: 'header' }, text: { ...plainText, properties: { ...plainText.properties, text: { type: 'string', minLength: 1, maxLength: 150 } } }, block_id: { type: 'string' } } },
          { type: 'object', required: ['type', 'text'], properties: { type: { const: 'section' }, text: textObject } },
          { type: 'object', required: ['type', 'elements'], properties: { type: { const: 'context' }, elements: { type: 'array', minItems: 1, maxItems: 10, items: textObject } } },
        ],
      },
    },
  },
};
const teamsSchema = {
  type: 'object',
  required: ['type', 'attachments'],
  properties: {
    type: { const: 'message' },
    attachments: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['contentType', 'content'],
        properties: {
          contentType: { const: 'application/vnd.microsoft.card.adaptive' },
          content: {
            type: 'object',
            required: ['type', 'version', 'body', '$schema'],
            properties: {
              $schema: { const: 'http://adaptivecards.io/schemas/adaptive-card.json' },
              type: { const: 'AdaptiveCard' },
              version: { type: 'string', pattern: '^1\\.[0-6]$' },
              body: {
                type: 'array',
                minItems: 1,
                items: {
                  oneOf: [
                    { type: 'object', required: ['type', 'text'], properties: { type: { const: 'TextBlock' }, text: { type: 'string', minLength: 1 } } },
                    {
                      type: 'object',
                      required: ['type', 'facts'],
                      properties: {
                        type: { const: 'FactSet' },
                        facts: {
                          type: 'array',
                          items: { type: 'object', required: ['title', 'value'], additionalProperties: false, properties: { title: { type: 'string' }, value: { type: 'string' } } },
                        },
                      },
                    },
                  ],
                },
              },
            },
          },
        },
      },
    },
  },
};

const ajv = new Ajv({ strict: false, allErrors: true });
const event = (data: unknown) => ({ type: 'order.created', eventId: 'evt-1', timestamp: '2026-11-25T10:00:00.000Z', orgId: 'acme', data });
const datas = [{ orderId: 'o-1', total: 42.5, lines: [{ sku: 'a' }], paid: true, note: null }, {}, { long: 'x'.repeat(10_000) }];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rendered JSON is checked against a schema, then read freely
type Rendered = Record<string, any>;

async function render(preset: 'slack' | 'teams', data: unknown): Promise<Rendered> {
  return JSON.parse(await evaluateTransform(compileTransform({ preset }), event(data))) as Rendered;
}

test.each(datas.map((data, i) => [i, data]))('the Slack preset answers Slack\'s incoming-webhook shape (data #%i)', async (_i, data) => {
  const body = await render('slack', data);
  const valid = ajv.validate(slackSchema, body);
  expect(ajv.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
  expect(body.text).toContain('order.created');
  expect(body.blocks[0].text.text).toBe('order.created');
  expect(body.blocks[2].elements[0].text).toContain('evt-1');
});

test('the Slack preset shows the data as a code block', async () => {
  const body = await render('slack', { orderId: 'o-1' });
  expect(body.blocks[1].text.text).toBe('```' + JSON.stringify({ orderId: 'o-1' }, null, 2) + '```');
});

test.each(datas.map((data, i) => [i, data]))('the Teams preset answers a message with one Adaptive Card (data #%i)', async (_i, data) => {
  const body = await render('teams', data);
  const valid = ajv.validate(teamsSchema, body);
  expect(ajv.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
});

test('the Teams preset lists the event and each top-level field of the data as facts', async () => {
  const body = await render('teams', { orderId: 'o-1', total: 42.5, lines: [{ sku: 'a' }] });
  const card = body.attachments[0].content;
  expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'order.created' });
  expect(card.body[1].facts).toEqual([
    { title: 'Event', value: 'evt-1' },
    { title: 'Time', value: '2026-11-25T10:00:00.000Z' },
    { title: 'orderId', value: 'o-1' },
    { title: 'total', value: '42.5' },
    { title: 'lines', value: '[{"sku":"a"}]' },
  ]);
});
