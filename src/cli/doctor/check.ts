/**
 * One line of `comfycord doctor`: passed, failed (with what to do about it), or not
 * checked (with why). Only a failure makes doctor exit 1.
 */
export type CheckResult =
  | { status: 'ok'; label: string; detail?: string }
  | { status: 'fail'; label: string; detail: string; fix: string }
  | { status: 'skip'; label: string; detail: string };

export const ok = (label: string, detail?: string): CheckResult => (detail === undefined ? { status: 'ok', label } : { status: 'ok', label, detail });
export const fail = (label: string, detail: string, fix: string): CheckResult => ({ status: 'fail', label, detail, fix });
export const skip = (label: string, detail: string): CheckResult => ({ status: 'skip', label, detail });

const MARKS = { ok: '✓', fail: '✗', skip: '–' } as const;

/** A section heading and its checks, as printed. */
export function formatSection(title: string, checks: readonly CheckResult[]): string {
  const lines = [title];
  for (const check of checks) {
    const detail = 'detail' in check ? `: ${check.detail}` : '';
    lines.push(`  ${MARKS[check.status]} ${check.label}${detail}`);
    if (check.status === 'fail') lines.push(`      fix: ${check.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
