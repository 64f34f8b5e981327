import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/**
 * The project's shared facts folder (real ComfyUI transcripts, real exported graphs)
 * sits beside the repository: `<repo>/../shared`. COMFYCORD_SHARED_DIR overrides it.
 */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_DIR = process.env['COMFYCORD_SHARED_DIR'] ?? resolve(REPO_ROOT, '..', 'shared');
export const PROTOCOL_DIR = join(SHARED_DIR, 'comfy-protocol');
export const REAL_WORKFLOWS_DIR = join(SHARED_DIR, 'workflows-real');
/** A copy of the real server's GET /object_info kept in the repo, so the stand-in needs nothing outside it. */
export const OBJECT_INFO_FILE = join(REPO_ROOT, 'test', 'fixtures', 'object_info.json');
