import { existsSync } from 'node:fs';
import { config } from 'dotenv';

/** Reads ./.env when present; variables already in the environment win. */
export function loadDotenv(path = '.env'): void {
  if (existsSync(path)) config({ path, quiet: true });
}
