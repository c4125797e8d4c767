/** The command-line tool's commands, run against a service's REST API and Temporal. */
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import {
  type Attempt,
  createWebhooksClient,
  type DeadLetter,
  type DeliverySummary,
  ok,
  ProblemError,
  type WebhookConfig,
  type WebhooksClient,
} from '../../clients/typescript/src';
import { DELIVERY_STATUSES } from '../shared/temporal';
import { VERSION } from '../version';

/** Where the CLI writes, and what it reads from its environment: given by the entry point. */
export interface CliIo {
  env: { TEMPORAL_WEBHOOKS_URL?: string; TEMPORAL_WEBHOOKS_API_KEY?: string };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A mistake in the command line itself (a bad JSON argument, a missing URL). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface GlobalOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

const DEFAULT_URL = 'http://localhost:3000';

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text);
  } catch (error) {
    throw new UsageError(`${what}: not JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${what}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function parseHeader(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`--header ${text}: expected name=value`);
  return { ...previous, [text.slice(0, at)]: text.slice(at + 1) };
}

const integer = (text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new UsageError(`${text}: expected an integer`);
  return value;
};

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const orDash = (value: unknown): string => (value === null || value === undefined || value === '' ? '-' : String(value));

function table(head: string[], rows: unknown[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map(orDash));
  return t.toString();
}

function fields(entries: [string, unknown][]): string {
  const t = new Table({ style: { head: [], border: [] } });
  for (const [name, value] of entries) t.push({ [name]: orDash(value) });
  return t.toString();
}

function configFields(config: WebhookConfig): string {
  return fields([
    ['org', config.orgId],
    ['config', config.configId],
    ['url', config.url],
    ['events', config.eventNames.join(', ')],
    ['enabled', config.enabled],
    ['disabled reason', config.disabledReason],
    ['description', config.description],
    ['headers', Object.keys(config.headers).length ? Object.entries(config.headers).map(([k, v]) => `${k}: ${v}`).join('\n') : null],
    ['auth', config.auth?.type],
    ['timeout', `${config.timeoutMs} ms`],
    ['max concurrency', config.maxConcurrency],
    ['max per second', config.maxPerSecond],
    ['circuit', config.health.circuit],
    ['failures in a row', config.health.consecutiveFailures],
    ['dead letters in a row', config.health.consecutiveDeadLetters],
    ['last success', config.health.lastSuccessAt],
    ['last failure', config.health.lastFailureAt],
    ['updated', config.updatedAt],
  ]);
}

/** A delivery's first fields (as `deliveries show` and `test-send` print them), then `more`. */
const deliveryFields = (d: { deliveryId: string; eventName: string; eventId: string; configId: string; status: string }, more: [string, unknown][] = []) =>
  fields([['delivery', d.deliveryId], ['event', `${d.eventName} (${d.eventId})`], ['config', d.configId], ['status', d.status], ...more]);

const deliveryRows = (items: DeliverySummary[]) =>
  table(
    ['delivery', 'event', 'config', 'status', 'attempts', 'last status', 'created'],
    items.map((d) => [d.deliveryId, d.eventName, d.configId, d.status, d.attemptCount, d.lastStatusCode ?? d.lastError, d.createdAt]),
  );

const attemptRows = (attempts: Attempt[]) =>
  table(
    ['#', 'started', 'duration', 'status', 'error', 'response'],
    attempts.map((a) => [a.attempt, a.startedAt, `${a.durationMs} ms`, a.statusCode, a.error ? `${a.error}${a.errorMessage ? `: ${a.errorMessage}` : ''}` : null, a.responseBody?.slice(0, 60)]),
  );

const deadLetterRows = (items: DeadLetter[]) =>
  table(
    ['delivery', 'config', 'event', 'reason', 'attempts', 'last status', 'expires'],
    items.map((d) => [d.deliveryId, d.configId, d.eventName, d.reason, d.attemptCount, d.lastStatusCode ?? d.lastError, d.expiresAt]),
  );

/**
 * `temporal-webhooks <command>`: the REST API from a terminal, through the typed client. Tables for people,
 * `--json` for scripts. Any 4xx or 5xx exits non-zero with the problem's `detail` on stderr.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('temporal-webhooks')
    .description('Manage webhook event types, configs, deliveries and dead letters of a temporal-webhooks API')
    .version(VERSION)
    .addOption(new Option('--url <url>', `API base URL (default: $TEMPORAL_WEBHOOKS_URL or ${DEFAULT_URL})`))
    .addOption(new Option('--key <key>', 'API key (default: $TEMPORAL_WEBHOOKS_API_KEY)'))
    .option('--json', 'print the API answer as JSON instead of a table')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const client = (): WebhooksClient => {
    const { url, key } = globals();
    const baseUrl = url ?? io.env.TEMPORAL_WEBHOOKS_URL ?? DEFAULT_URL;
    if (!URL.canParse(baseUrl)) throw new UsageError(`not a URL: ${baseUrl}`);
    return createWebhooksClient({ baseUrl, apiKey: key ?? io.env.TEMPORAL_WEBHOOKS_API_KEY });
  };
  /** `--json` prints `data` as is; otherwise the table `render` makes of it. */
  const print = <T>(data: T, render: (data: T) => string): void => {
    io.stdout.write(globals().json ? JSON.stringify(data ?? null, null, 2) + '\n' : render(data) + '\n');
  };

  // ── event types ────────────────────────────────────────────────────────────────────────────────────
  const eventTypes = program.command('event-types').description('event types that can be published');
  eventTypes
    .command('put <eventName>')
    .description('create or replace an event type')
    .option('--description <text>', 'what the event means')
    .option('--schema <json>', 'JSON Schema published data must satisfy (or @file)')
    .action(async (eventName: string, options: { description?: string; schema?: string }) => {
      const { data, error, response } = await client().PUT('/event-types/{eventName}', {
        params: { path: { eventName } },
        body: { description: options.description, schema: options.schema === undefined ? undefined : parseJsonObject(options.schema, '--schema') },
      });
      if (error || !data) throw new ProblemError(response.status, error ?? {});
      print(data, (t) => `${response.status === 201 ? 'created' : 'replaced'} event type ${t.eventName}`);
    });
  eventTypes
    .command('list')
    .description('list event types')
    .option('--include-archived', 'also archived ones')
    .action(async (options: { includeArchived?: boolean }) => {
      const data = await ok(client().GET('/event-types', { params: { query: { includeArchived: options.includeArchived ? 'true' : undefined } } }));
      print(data, ({ items }) =>
        table(
          ['event type', 'description', 'schema', 'archived'],
          items.map((t) => [t.eventName, t.description, t.schema ? 'yes' : 'no', t.archived ? t.archivedAt : 'no']),
        ),
      );
    });

  // ── configs ────────────────────────────────────────────────────────────────────────────────────────
  const configs = program.command('configs').description('webhook configs: which URL gets which events of an org');
  configs
    .command('put <orgId> <configId>')
    .description('create or replace a config (the signing secret is shown once, on creation)')
    .requiredOption('--endpoint <url>', 'the URL deliveries are POSTed to')
    .requiredOption('--event <eventName>', 'an event name to subscribe to, or "*" (repeatable)', collect)
    .option('--description <text>')
    .option('--header <name=value>', 'a header sent with each delivery (repeatable)', parseHeader)
    .option('--timeout-ms <ms>', 'budget of one attempt', integer)
    .option('--max-concurrency <n>', 'attempts in flight at once', integer)
    .option('--max-per-second <n>', 'attempts started per second', integer)
    .option('--disabled', 'create it disabled')
    .option('--secret <whsec>', 'use this signing secret instead of a generated one')
    .action(
      async (
        orgId: string,
        configId: string,
        o: { endpoint: string; event: string[]; description?: string; header?: Record<string, string>; timeoutMs?: number; maxConcurrency?: number; maxPerSecond?: number; disabled?: boolean; secret?: string },
      ) => {
        const { data, error, response } = await client().PUT('/webhooks/{orgId}/configs/{configId}', {
          params: { path: { orgId, configId } },
          body: {
            url: o.endpoint,
            eventNames: o.event,
            description: o.description,
            headers: o.header,
            timeoutMs: o.timeoutMs,
            maxConcurrency: o.maxConcurrency,
            maxPerSecond: o.maxPerSecond,
            enabled: o.disabled ? false : undefined,
            secret: o.secret,
          },
        });
        if (error || !data) throw new ProblemError(response.status, error ?? {});
        print(data, (config) => `${response.status === 201 ? 'created' : 'replaced'} config ${config.configId}\n${configFields(config)}${config.secret ? `\nsigning secret (shown once): ${config.secret}` : ''}`);
      },
    );
  configs
    .command('list <orgId>')
    .description("list an org's configs")
    .option('--limit <n>', 'at most this many', integer)
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .action(async (orgId: string, o: { limit?: number; cursor?: string }) => {
      const data = await ok(client().GET('/webhooks/{orgId}/configs', { params: { path: { orgId }, query: { limit: o.limit, cursor: o.cursor } } }));
      print(data, ({ items, nextCursor }) =>
        [
          table(
            ['config', 'url', 'events', 'enabled', 'circuit', 'failures'],
            items.map((c) => [c.configId, c.url, c.eventNames.join(', '), c.enabled ? 'yes' : `no (${c.disabledReason ?? ''})`, c.health.circuit, c.health.consecutiveFailures]),
          ),
          ...(nextCursor ? [`more: --cursor ${nextCursor}`] : []),
        ].join('\n'),
      );
    });
  configs
    .command('show <orgId> <configId>')
    .description('one config with its health')
    .action(async (orgId: string, configId: string) => {
      print(await ok(client().GET('/webhooks/{orgId}/configs/{configId}', { params: { path: { orgId, configId } } })), configFields);
    });
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    configs
      .command(`${name} <orgId> <configId>`)
      .description(enabled ? 'enable a config' : 'disable a config: its pending deliveries stop')
      .action(async (orgId: string, configId: string) => {
        const config = await ok(client().PATCH('/webhooks/{orgId}/configs/{configId}', { params: { path: { orgId, configId } }, body: { enabled } }));
        print(config, (c) => `config ${c.configId} ${c.enabled ? 'enabled' : `disabled (${c.disabledReason ?? ''})`}`);
      });
  }
  configs
    .command('rotate-secret <orgId> <configId>')
    .description('a new signing secret; the old one keeps signing beside it for a while')
    .action(async (orgId: string, configId: string) => {
      const data = await ok(client().POST('/webhooks/{orgId}/configs/{configId}/secret/rotate', { params: { path: { orgId, configId } } }));
      print(data, (d) => fields([['new secret', d.secret], ['old secret signs until', d.previousSecretExpiresAt]]));
    });

  // ── publish ────────────────────────────────────────────────────────────────────────────────────────
  program
    .command('publish <eventName>')
    .description('publish an event to the configs of an org that subscribe to it')
    .requiredOption('--org <orgId>', 'the org the event belongs to')
    .option('--data <json>', 'the event data, a JSON object (or @file)', '{}')
    .option('--idempotency-key <key>', 'a repeat within 24 h answers the first answer again')
    .action(async (eventName: string, o: { org: string; data: string; idempotencyKey?: string }) => {
      const data = await ok(
        client().POST('/events', { body: { eventName, orgId: o.org, data: parseJsonObject(o.data, '--data'), idempotencyKey: o.idempotencyKey } }),
      );
      print(data, (d) =>
        [`event ${d.eventId}: ${d.deliveries.length} ${d.deliveries.length === 1 ? 'delivery' : 'deliveries'}`, ...(d.deliveries.length ? [table(['delivery', 'config', 'workflow'], d.deliveries.map((x) => [x.deliveryId, x.configId, x.workflowId]))] : [])].join('\n'),
      );
    });

  // ── deliveries ─────────────────────────────────────────────────────────────────────────────────────
  const deliveries = program.command('deliveries').description('deliveries of events to configs, with their attempts');
  deliveries
    .command('list <orgId>')
    .description("an org's deliveries, newest first")
    .addOption(new Option('--status <status>').choices([...DELIVERY_STATUSES]))
    .option('--config <configId>')
    .option('--event <eventName>')
    .option('--limit <n>', 'at most this many', integer)
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .action(async (orgId: string, o: { status?: (typeof DELIVERY_STATUSES)[number]; config?: string; event?: string; limit?: number; cursor?: string }) => {
      const data = await ok(
        client().GET('/webhooks/{orgId}/deliveries', {
          params: { path: { orgId }, query: { status: o.status, configId: o.config, eventName: o.event, limit: o.limit, cursor: o.cursor } },
        }),
      );
      print(data, ({ items, nextCursor }) => [deliveryRows(items), ...(nextCursor ? [`more: --cursor ${nextCursor}`] : [])].join('\n'));
    });
  deliveries
    .command('show <orgId> <deliveryId>')
    .description('one delivery and every attempt')
    .action(async (orgId: string, deliveryId: string) => {
      const data = await ok(client().GET('/webhooks/{orgId}/deliveries/{deliveryId}', { params: { path: { orgId, deliveryId } } }));
      print(data, (d) =>
        [
          deliveryFields(d, [
            ['attempts', d.attemptCount],
            ['next attempt', d.nextAttemptAt],
            ['delivered', d.deliveredAt],
            ['retried from', d.retriedFrom],
            ['temporal ui', d.temporalUiUrl],
          ]),
          d.attempts.length ? attemptRows(d.attempts) : 'no attempts yet',
        ].join('\n'),
      );
    });

  // ── dead letters ───────────────────────────────────────────────────────────────────────────────────
  const deadLetters = program.command('dead-letters').description('deliveries whose retry window ended, kept to be retried');
  deadLetters
    .command('list <orgId>')
    .description("an org's open dead letters")
    .option('--config <configId>')
    .option('--event <eventName>')
    .option('--since <time>', 'dead-lettered at or after this ISO 8601 time')
    .option('--limit <n>', 'at most this many', integer)
    .action(async (orgId: string, o: { config?: string; event?: string; since?: string; limit?: number }) => {
      const data = await ok(
        client().GET('/webhooks/{orgId}/dead-letters', { params: { path: { orgId }, query: { configId: o.config, eventName: o.event, since: o.since, limit: o.limit } } }),
      );
      print(data, ({ items }) => deadLetterRows(items));
    });
  deadLetters
    .command('retry <orgId> [deliveryIds...]')
    .description('retry the dead letters named, or every one matching the filters, with a progress bar')
    .option('--config <configId>')
    .option('--event <eventName>')
    .option('--since <time>', 'dead-lettered at or after this ISO 8601 time')
    .option('--progress', 'draw the progress bar even when stderr is not a terminal')
    .action(async (orgId: string, deliveryIds: string[], o: { config?: string; event?: string; since?: string; progress?: boolean }) => {
      const api = client();
      const ids = deliveryIds.length
        ? deliveryIds
        : (
            await ok(api.GET('/webhooks/{orgId}/dead-letters', { params: { path: { orgId }, query: { configId: o.config, eventName: o.event, since: o.since, limit: 250 } } }))
          ).items.map((d) => d.deliveryId);
      const drawn = o.progress || (io.stderr.isTTY && !globals().json);
      const bar = drawn && ids.length > 0 ? new SingleBar({ stream: io.stderr, format: 'retrying [{bar}] {value}/{total}', hideCursor: true, noTTYOutput: o.progress }) : undefined;
      bar?.start(ids.length, 0);
      const retried: { deliveryId: string; newDeliveryId: string }[] = [];
      const skipped: { deliveryId: string; status: number; reason: string }[] = [];
      try {
        for (const deliveryId of ids) {
          const { data, error, response } = await api.POST('/webhooks/{orgId}/deliveries/{deliveryId}/retry', { params: { path: { orgId, deliveryId } } });
          // A config that is disabled or deleted (409), or a delivery gone (404): the others still go.
          if (data) retried.push({ deliveryId, newDeliveryId: data.deliveryId });
          else if (response.status === 409 || response.status === 404) skipped.push({ deliveryId, status: response.status, reason: error?.detail ?? `HTTP ${response.status}` });
          else throw new ProblemError(response.status, error ?? {});
          bar?.increment();
        }
      } finally {
        bar?.stop();
      }
      print({ retried, skipped, matched: ids.length }, (r) =>
        [`retried ${r.retried.length} of ${r.matched}`, ...(r.skipped.length ? [table(['skipped', 'reason'], r.skipped.map((s) => [s.deliveryId, s.reason]))] : [])].join('\n'),
      );
    });

  // ── API keys ───────────────────────────────────────────────────────────────────────────────────────
  const keys = program.command('keys').description('API keys (needs an admin key)');
  keys
    .command('create')
    .description('a new key, shown this once')
    .requiredOption('--scope <scope>', '"admin", "publish" or "org:{orgId}" (repeatable)', collect)
    .option('--description <text>')
    .addOption(new Option('--type <type>', 'a bearer key, or an aws-sigv4 key for POST /aws/events').choices(['bearer', 'aws-sigv4']).default('bearer'))
    .action(async (o: { scope: string[]; description?: string; type: 'bearer' | 'aws-sigv4' }) => {
      const data = await ok(client().POST('/api-keys', { body: { type: o.type, scopes: o.scope, description: o.description } }));
      print(data, (k) => {
        const shown = fields([['key id', k.keyId], ['type', k.type], ['scopes', k.scopes.join(', ')], ['description', k.description]]);
        return k.type === 'aws-sigv4' ? `${shown}\naccess key id: ${k.accessKeyId}\nsecret access key (shown once): ${k.secretAccessKey}` : `${shown}\nkey (shown once): ${k.key}`;
      });
    });
  keys
    .command('list')
    .description('live keys, by prefix')
    .option('--limit <n>', 'at most this many', integer)
    .option('--cursor <cursor>', 'the next page, from a previous answer')
    .action(async (o: { limit?: number; cursor?: string }) => {
      const data = await ok(client().GET('/api-keys', { params: { query: { limit: o.limit, cursor: o.cursor } } }));
      print(data, ({ items, nextCursor }) =>
        [
          table(['key id', 'prefix', 'scopes', 'description', 'created', 'last used'], items.map((k) => [k.keyId, k.prefix, k.scopes.join(', '), k.description, k.createdAt, k.lastUsedAt])),
          ...(nextCursor ? [`more: --cursor ${nextCursor}`] : []),
        ].join('\n'),
      );
    });
  keys
    .command('revoke <keyId>')
    .description('revoke a key, effective at once')
    .action(async (keyId: string) => {
      await ok(client().DELETE('/api-keys/{keyId}', { params: { path: { keyId } } }));
      print({ keyId, revoked: true }, () => `revoked key ${keyId}`);
    });

  // ── test send ──────────────────────────────────────────────────────────────────────────────────────
  program
    .command('test-send <orgId> <configId>')
    .description('send one test event to a config now and show the attempt')
    .option('--event <eventName>', 'send a sample of this event type instead of webhook.test')
    .option('--data <json>', 'the data to send (or @file)')
    .action(async (orgId: string, configId: string, o: { event?: string; data?: string }) => {
      const body = { eventName: o.event, data: o.data === undefined ? undefined : parseJsonObject(o.data, '--data') };
      const data = await ok(client().POST('/webhooks/{orgId}/configs/{configId}/test', { params: { path: { orgId, configId } }, body }));
      print(data, (d) =>
        [
          deliveryFields(d),
          attemptRows([d.attempt]),
        ].join('\n'),
      );
    });

  return program;
}

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ProblemError) {
      const field = error.problem.field ? ` (field: ${error.problem.field})` : '';
      io.stderr.write(`error: ${error.status} ${error.problem.detail ?? error.message}${field}\n`);
      if (program.opts<GlobalOptions>().json) io.stdout.write(JSON.stringify(error.problem, null, 2) + '\n');
      return 1;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    io.stderr.write(`error: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}\n`);
    return 1;
  }
}
