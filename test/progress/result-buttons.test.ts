import { describe, expect, it } from 'vitest';
import { parseCustomId } from '../../src/custom-id.ts';
import { editRows, resultButtons } from '../../src/discord/result-buttons.ts';

/** The result's buttons stay within Discord's limits for every batch size, with the longest job id the store allows. */

const LONGEST_JOB_ID = 'j'.repeat(64);

describe('result buttons within Discord limits', () => {
  for (const images of [1, 2, 3, 4, 8]) {
    it(`${images} image(s): at most 5 rows of 5, custom_ids of at most 100 characters, unique, parsed back to job + action + image`, () => {
      const rows = [...resultButtons(LONGEST_JOB_ID, images), ...(images > 1 ? editRows(LONGEST_JOB_ID, Math.min(images, 4) - 1) : [])];
      const messageRows = resultButtons(LONGEST_JOB_ID, images);
      expect(messageRows.length).toBeLessThanOrEqual(5);
      for (const row of rows) expect(row.length).toBeLessThanOrEqual(5);
      const ids = messageRows.flat().map((b) => b.customId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const button of rows.flat()) {
        expect(button.customId.length).toBeLessThanOrEqual(100);
        expect(button.label.length).toBeLessThanOrEqual(80);
        expect(parseCustomId(button.customId)?.jobId).toBe(LONGEST_JOB_ID);
      }
    });
  }

  it('one image: Reroll, Vary, Upscale, Delete, then Zoom Out / Custom Zoom / Make Square / Vary (Region), then the four Pans', () => {
    const rows = resultButtons('abc', 1).map((row) => row.map((b) => b.customId));
    expect(rows).toEqual([
      ['cc:reroll:abc', 'cc:vary:abc:0', 'cc:upscale:abc:0', 'cc:delete:abc'],
      ['cc:zoom15:abc:0', 'cc:zoom2:abc:0', 'cc:zoomc:abc:0', 'cc:square:abc:0', 'cc:varyr:abc:0'],
      ['cc:panl:abc:0', 'cc:panr:abc:0', 'cc:panu:abc:0', 'cc:pand:abc:0'],
    ]);
  });

  it('an edit action cannot be forged onto a non-image id or a bad index', () => {
    expect(parseCustomId('cc:zoom2:abc:0')).toEqual({ action: 'zoom2', jobId: 'abc', imageIndex: 0 });
    expect(parseCustomId('cc:zoom2:abc:100')).toBeNull();
    expect(parseCustomId('cc:zoom3:abc:0')).toBeNull();
    expect(parseCustomId('cc:cancel:abc:0')).toBeNull();
    expect(parseCustomId('cc:varyr:abc:3')).toEqual({ action: 'varyr', jobId: 'abc', imageIndex: 3 });
    expect(parseCustomId('cc:varyr:abc:x')).toBeNull();
  });
});
