import { describe, expect, it } from 'vitest';
import { planEdit } from '../../src/discord/edit-plan.ts';
import { view } from './fake-sink.ts';

const ids = (files: Array<{ id: string }>) => files.map((f) => f.id);

describe('planEdit', () => {
  it('GIVEN final images THEN they are uploaded once and replace the preview', () => {
    const shownPreview = view('p', { preview: 4 }).files;
    const final = view('done', { outputs: ['1.png', '2.png', 'grid.png'] });
    const first = planEdit(final, { attached: shownPreview, lastPreviewUploadAt: 0 }, 100, 4000);
    expect(first.payload.attachments).toBe('replace');
    expect(ids(first.payload.files)).toEqual(['output:1.png', 'output:2.png', 'output:grid.png']);
    expect(first.payload.embed.imageAttachmentName).toBe('1.png');
    const again = planEdit(final, { attached: first.payload.resultingFiles, lastPreviewUploadAt: 0 }, 200, 4000);
    expect(again.payload.attachments).toBe('keep');
    expect(again.payload.files).toEqual([]);
    expect(again.fingerprint).toBe(first.fingerprint);
  });

  it('GIVEN the first preview THEN it is uploaded at once', () => {
    const plan = planEdit(view('p', { preview: 1 }), { attached: [], lastPreviewUploadAt: null }, 0, 4000);
    expect(plan).toMatchObject({ uploadsPreview: true, previewDueAt: null });
    expect(plan.payload.attachments).toBe('replace');
  });

  it('GIVEN a throttled preview and none shown THEN the image is left out until due', () => {
    const plan = planEdit(view('p', { preview: 2 }), { attached: [], lastPreviewUploadAt: 1000 }, 2000, 4000);
    expect(plan.previewDueAt).toBe(5000);
    expect(plan.payload).toMatchObject({ attachments: 'keep', files: [], resultingFiles: [] });
    expect(plan.payload.embed.imageAttachmentName).toBeUndefined();
  });

  it('GIVEN the same preview already shown THEN nothing is uploaded and the fingerprint is stable', () => {
    const shown = view('p', { preview: 3 });
    const plan = planEdit(shown, { attached: shown.files, lastPreviewUploadAt: 0 }, 100, 4000);
    expect(plan.payload.attachments).toBe('keep');
    expect(plan.uploadsPreview).toBe(false);
    expect(ids(plan.payload.resultingFiles)).toEqual(['preview:3']);
  });

  it('GIVEN a view without files after a preview THEN the attachment is cleared and no image is named', () => {
    const plan = planEdit(view('cancelled'), { attached: view('p', { preview: 1 }).files, lastPreviewUploadAt: 0 }, 100, 4000);
    expect(plan.payload.attachments).toBe('clear');
    expect(plan.payload.embed.imageAttachmentName).toBeUndefined();
  });
});
