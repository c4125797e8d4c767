/**
 * Duration strings such as `500ms`, `10s`, `5m`, `1h`, `14d`, or a plain number of milliseconds.
 * Pure code: imported by configuration, the API and the workflow bundle alike.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

export function parseDurationMs(text: string): number | undefined {
  const match = DURATION_RE.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * UNIT_MS[match[2] ?? 'ms'];
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
