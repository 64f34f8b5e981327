/**
 * The environment a test gives a process it starts, as a user's shell would: PATH and
 * HOME, plus TMPDIR so the child's temp folders land in this run's folder, where the
 * temp guard (temp-guard.ts) finds any it leaves behind; then the test's own variables.
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' };
  const tmp = process.env['TMPDIR'];
  if (tmp !== undefined) env['TMPDIR'] = tmp;
  return { ...env, ...extra };
}
