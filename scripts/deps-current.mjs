// Exit 0 when node_modules holds exactly what package-lock.json names, 1 otherwise.
// Compares versions with npm's own record of what it installed
// (node_modules/.package-lock.json), so a checkout installed by `npm ci` or
// `npm install` counts as installed, and a git operation that merely touches
// package-lock.json does not. Optional packages (other platforms' binaries) may be absent.
// Runs before anything is installed: node builtins only.
import { readFileSync } from 'node:fs';

function packagesOf(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).packages ?? {};
  } catch {
    return null;
  }
}

const wanted = packagesOf('package-lock.json');
const installed = packagesOf('node_modules/.package-lock.json');
if (wanted === null || installed === null) process.exit(1);
for (const [path, entry] of Object.entries(wanted)) {
  if (path === '' || entry.optional) continue;
  if (installed[path]?.version !== entry.version) process.exit(1);
}
for (const [path, entry] of Object.entries(installed)) {
  if (wanted[path]?.version !== entry.version) process.exit(1);
}
