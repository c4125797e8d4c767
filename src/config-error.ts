/** A setting is missing or malformed: the process stops at start-up, naming it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
