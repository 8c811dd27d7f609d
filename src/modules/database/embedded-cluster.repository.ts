import pg from 'pg';

/**
 * Creates corral's database in the embedded cluster unless it is there. Run at every start, so a
 * first start cut short between initdb and CREATE DATABASE (a busy port, a closed terminal) is
 * finished by the next one instead of failing with `database "corral" does not exist` for ever.
 */
export async function createDatabaseIfMissing(maintenanceUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    return true;
  } finally {
    await client.end();
  }
}
