import { inspectDataDirStore } from '../../store/data-dir-store.ts';
import { fail, ok, type CheckResult } from './check.ts';

/**
 * DATA_DIR's store as the next start would judge it (see src/store/data-dir-store.ts):
 * the refusal, with how to restore, shows here before a restart hits it. Reads only,
 * takes no lock: safe while the bot runs.
 */
export function storeCheck(dataDir: string): CheckResult {
  const label = 'store in DATA_DIR';
  const state = inspectDataDirStore(dataDir);
  if (state.kind === 'none') return ok(label, 'none yet (the first start creates one)');
  if (state.kind === 'ok') return ok(label, `${state.storeId} (comfycord.store-id and comfycord.db agree)`);
  return fail(label, state.error.what, state.error.restore);
}
