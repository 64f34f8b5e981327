import { findOption } from '../workflows/index.ts';
import type { CommandContext } from './command-context.ts';
import { precheckMessageImage } from './image-input.ts';
import type { RemixValues } from './remix-modal.ts';
import type { RemixTarget } from './remix-stash.ts';
import { roleTemplateIn } from './role-template.ts';
import type { Place } from './place.ts';

/** The most images Remix → Edit takes from a message: the image, then image2 and image3. */
export const REMIX_EDIT_IMAGES = 3;

const REFERENCE_OPTIONS = ['image2', 'image3'] as const;

/**
 * Remix → Edit: the form's prompt as an instruction through the channel's edit template
 * (as /edit without `template:`), on the message's first image with its next images as
 * image2 and image3, as many as the template takes. Each reference is checked here, as
 * /edit checks its attachments, before anything is deferred. Strength is img2img's
 * denoise, which an edit has not: it is not sent; nor is a negative to a template without one.
 */
export function remixEditJob(
  target: RemixTarget,
  values: RemixValues,
  place: Place,
  context: Pick<CommandContext, 'settings' | 'templates' | 'jobs' | 'config'>,
): { template: string; options: Record<string, string>; uploads: Record<string, string> } {
  const template = roleTemplateIn('edit', place, context);
  const options: Record<string, string> = { prompt: values.prompt };
  if (values.negative !== null && findOption(template, 'negative') !== undefined) options['negative'] = values.negative;
  const uploads: Record<string, string> = { image: target.imageUrl };
  const slots = REFERENCE_OPTIONS.filter((name) => findOption(template, name)?.type === 'image');
  for (const [index, reference] of (target.references ?? []).slice(0, slots.length).entries()) {
    precheckMessageImage(reference, context.config.attachments.maxBytes, context.config.attachments.hosts);
    uploads[slots[index]!] = reference.url;
  }
  return { template: template.name, options, uploads };
}
