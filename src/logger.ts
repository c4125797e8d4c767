/** The service's pino logger, with the fields of the request or delivery being handled. */
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { currentLogFields } from './observability/log-context';

export type { Logger };

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service: 'temporal-webhooks' },
      // requestId, eventId, deliveryId, configId and orgId, where the code that logs runs for one of them.
      mixin: () => currentLogFields(),
      redact: {
        // Defence in depth: nothing logs these on purpose (see SECURITY.md).
        paths: [
          'secret',
          '*.secret',
          'auth',
          '*.auth',
          'headers.authorization',
          '*.headers.authorization',
          'req.headers.authorization',
          'ADMIN_API_KEY',
          'ENCRYPTION_KEY',
          'ENCRYPTION_PREVIOUS_KEYS',
          '*.ADMIN_API_KEY',
          '*.ENCRYPTION_KEY',
          '*.ENCRYPTION_PREVIOUS_KEYS',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
