import { loadConfig } from '../config';
import { migrate } from './migrate';
import { createPool } from './pool';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    const { applied } = await migrate(pool);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
