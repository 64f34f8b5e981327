import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Paths inside the repository that tests and benchmarks read; nothing outside it. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a real ComfyUI 0.3.64 sent and received (see test/fixtures/comfy-protocol/README.md). */
export const PROTOCOL_DIR = join(REPO_ROOT, 'test', 'fixtures', 'comfy-protocol');
/** The same server's GET /object_info, so the stand-in needs nothing outside the repo. */
export const OBJECT_INFO_FILE = join(REPO_ROOT, 'test', 'fixtures', 'object_info.json');
/** Tiny real videos and sounds the stand-in's video and audio nodes write (see test/fixtures/media/README.md). */
export const MEDIA_FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'media');
