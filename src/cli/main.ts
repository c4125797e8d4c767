/** Entry point of the command-line tool (`npx temporal-webhooks`). */
import { runCli } from './program';

// Entry point of `npx temporal-webhooks`: the one place the CLI reads its environment.
void runCli(process.argv, {
  env: { TEMPORAL_WEBHOOKS_URL: process.env.TEMPORAL_WEBHOOKS_URL, TEMPORAL_WEBHOOKS_API_KEY: process.env.TEMPORAL_WEBHOOKS_API_KEY },
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  process.exitCode = code;
});
