import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchSection, README_BEGIN, README_END, replaceBenchSection, writeBenchSection } from '../../bench/readme-section.ts';
import { judge } from '../../bench/report.ts';

const facts = { date: '2026-12-04', machine: '2 × AMD EPYC', node: 'v24.22.3', totalSeconds: 241.4 };
const dir = mkdtempSync(join(tmpdir(), 'comfycord-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README performance block', () => {
  it('lists every figure with its target and verdict, and says how many were met', () => {
    const targets = [
      judge('4a. scale: RSS, bot idle', 131.2, { atMost: 120 }, 'MB'),
      judge('1. throughput | whole bot', 1.009, { atMost: 1.02 }, '', 3),
    ];
    const section = benchSection(targets, [{ name: '5. Faults', error: 'bot never ready' }], facts);
    expect(section.split('\n')[0]).toBe('Latest full run: 2026-12-04, 2 × AMD EPYC, Node v24.22.3, 241 s; 1 of 2 targets met, 1 benchmark(s) did not run to the end.');
    expect(section).toContain('| 4a. scale: RSS, bot idle | ≤ 120 MB | 131 MB | ❌ FAIL |');
    // A pipe in a name would split the row: escaped.
    expect(section).toContain('| 1. throughput \\| whole bot | ≤ 1.020 | 1.009 | ✅ PASS |');
    expect(section).toContain('| 5. Faults | ran to the end | error: bot never ready | ❌ FAIL |');
  });

  it('replaces only the text between the markers', () => {
    const readme = `# x\n\nbefore\n${README_BEGIN}\nold figures\n${README_END}\nafter\n`;
    const next = replaceBenchSection(readme, 'new figures');
    expect(next).toBe(`# x\n\nbefore\n${README_BEGIN}\nnew figures\n${README_END}\nafter\n`);
    expect(replaceBenchSection(next, 'again')).toBe(`# x\n\nbefore\n${README_BEGIN}\nagain\n${README_END}\nafter\n`);
  });

  it('refuses a README without the block instead of guessing where to write', () => {
    const path = join(dir, 'README.md');
    writeFileSync(path, '# no markers\n');
    expect(() => writeBenchSection(path, 'figures')).toThrow(/no '<!-- bench:begin/);
    expect(readFileSync(path, 'utf8')).toBe('# no markers\n');
  });

  it('the project README has the block, once', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme.split(README_BEGIN)).toHaveLength(2);
    expect(readme.split(README_END)).toHaveLength(2);
  });
});
