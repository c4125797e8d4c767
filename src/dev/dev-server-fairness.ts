/**
 * Whether npm start's dev server runs with task queue fairness. Temporal 1.29 keeps a fair queue's tasks
 * in a backlog of their own: switching fairness on (or off) for a queue that holds tasks moves it to the
 * other backlog without them, and they are not dispatched again. npm start keeps its dev server database
 * (.data/temporal.db) across starts, so fairness is decided once, when the database is created, and
 * recorded by a marker file next to it (`temporal.db.fairness`). A database made before the marker
 * existed, or made with TEMPORAL_FAIRNESS=false, keeps fairness off; one made with it keeps it on.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DevServerFairness {
  fairness: boolean;
  /** Set when the database keeps a mode other than TEMPORAL_FAIRNESS asks for: what, why, and how to change it. */
  note?: string;
}

export const fairnessMarkerOf = (dbFilename: string): string => `${dbFilename}.fairness`;

const MARKER_TEXT =
  'The Temporal dev server database next to this file was created with task queue fairness on ' +
  '(matching.enableFairness), and npm start keeps it on for this database: its queued tasks live in the fair backlog.\n';

/**
 * Fairness for the dev server on `dbFilename`, given what TEMPORAL_FAIRNESS asks for (`wanted`). Writes the
 * marker for a new database created with fairness, and removes a marker left without its database.
 */
export function decideDevServerFairness(dbFilename: string, wanted: boolean, shown: (file: string) => string = path.basename): DevServerFairness {
  const marker = fairnessMarkerOf(dbFilename);
  if (!existsSync(dbFilename)) {
    rmSync(marker, { force: true });
    if (wanted) writeFileSync(marker, MARKER_TEXT);
    return { fairness: wanted };
  }
  const created = existsSync(marker);
  if (created === wanted) return { fairness: created };
  const db = shown(dbFilename);
  return created
    ? {
        fairness: true,
        note: `task queue fairness stays on: ${db} was created with it, and turning it off would strand the tasks queued in its fair backlog; remove ${db} (its workflows go with it) to start without`,
      }
    : {
        fairness: false,
        note: `task queue fairness stays off: ${db} was created without it, and turning it on would strand the tasks already queued; remove ${db} (its workflows go with it) to start with fairness`,
      };
}
