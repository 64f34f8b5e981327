/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access -- these tests break template JSON one field at a time, through loosely typed copies */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplates } from '../../src/workflows/load-templates.ts';
import { parseTemplate } from '../../src/workflows/parse-template.ts';
import { roleProblems } from '../../src/workflows/template-role.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../workflows');

/** An outpaint template: LoadImage → ImagePadForOutpaint → inpaint conditioning → KSampler. */
function outpaint(): Record<string, any> {
  return {
    kind: 'inpaint',
    role: 'outpaint',
    options: {
      image: { type: 'image', required: true, targets: ['load.inputs.image'] },
      prompt: { type: 'text', required: true, targets: ['pos.inputs.text'] },
      pad_left: { type: 'int', default: 0, min: 0, max: 4096, targets: ['pad.inputs.left'] },
      pad_top: { type: 'int', default: 0, min: 0, max: 4096, targets: ['pad.inputs.top'] },
      pad_right: { type: 'int', default: 0, min: 0, max: 4096, targets: ['pad.inputs.right'] },
      pad_bottom: { type: 'int', default: 0, min: 0, max: 4096, targets: ['pad.inputs.bottom'] },
    },
    graph: {
      ckpt: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a.safetensors' } },
      load: { class_type: 'LoadImage', inputs: { image: 'in.png' } },
      pad: { class_type: 'ImagePadForOutpaint', inputs: { image: ['load', 0], left: 0, top: 0, right: 0, bottom: 0, feathering: 40 } },
      pos: { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['ckpt', 1] } },
      save: { class_type: 'SaveImage', inputs: { images: ['pad', 0], filename_prefix: 'x' } },
    },
  };
}

describe('template roles', () => {
  it('GIVEN a declared outpaint role with every binding THEN the template has that role', () => {
    expect(parseTemplate(outpaint(), 'workflows/out.json').role).toBe('outpaint');
  });

  it('GIVEN a declared outpaint role without pad_left THEN loading says what the role lacks, at `role`', () => {
    const file = outpaint();
    delete file['options'].pad_left;
    expect(() => parseTemplate(file, 'workflows/out.json')).toThrow('workflows/out.json: role: an outpaint template needs option "pad_left" (int)');
  });

  it('GIVEN a binding of the wrong type or an unknown role THEN each is named', () => {
    const file = outpaint();
    file['options'].pad_top = { type: 'float', default: 0, targets: ['pad.inputs.top'] };
    file['graph'].pad.inputs.top = 0.5;
    expect(() => parseTemplate(file, 'workflows/out.json')).toThrow('role: an outpaint template\'s option "pad_top" must be int, not float');
    expect(() => parseTemplate({ ...outpaint(), role: 'zoom' }, 'workflows/out.json')).toThrow('role: role must be one of: generate, img2img, edit, inpaint, outpaint, upscale, video, animate, other');
  });

  it('GIVEN no role THEN the kind gives it, unless the template cannot fill it: then `other`, with a note', () => {
    const { role: _role, ...noRole } = outpaint();
    const template = parseTemplate(noRole, 'workflows/out.json');
    expect(template.role).toBe('other');
    expect(template.notes).toEqual(['not used as inpaint template: an inpaint template needs option "mask" (image)']);
    expect(parseTemplate({ ...noRole, kind: 'img2img' }, 'workflows/out.json').role).toBe('img2img');
  });

  it('roleProblems lists every missing required binding and ignores absent optional ones', () => {
    expect(roleProblems('edit', [{ name: 'image', type: 'image' }])).toEqual(['an edit template needs option "prompt" (text or string)']);
    expect(roleProblems('edit', [{ name: 'image', type: 'image' }, { name: 'prompt', type: 'text' }, { name: 'image2', type: 'string' }])).toEqual([
      'an edit template\'s option "image2" must be image, not string',
    ]);
    expect(roleProblems('video', [])).toEqual(['a video template needs option "prompt" (text or string)']);
    expect(roleProblems('animate', [{ name: 'prompt', type: 'text' }])).toEqual(['an animate template needs option "image" (image)']);
    expect(roleProblems('other', [])).toEqual([]);
  });

  it('the shipped templates load with the roles their buttons pick', async () => {
    const set = await loadTemplates(SHIPPED);
    const roles = Object.fromEntries(set.list().map((template) => [template.name, template.role]));
    expect(roles).toMatchObject({ txt2img: 'generate', img2img: 'img2img', upscale: 'upscale', 'upscale-refine': 'upscale', video: 'video', animate: 'animate', edit: 'edit', 'edit-qwen': 'edit' });
  });
});
