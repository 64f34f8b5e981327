import type { Job } from '../jobs/job.ts';
import { describeOutpaint, outpaintActionOf } from '../workflows/index.ts';

/**
 * The line a new job's message shows about the job it came from: what was done
 * (Reroll, Vary, Zoom Out 2×…) to which image, linking to the source's message when its
 * place is known, e.g. `Zoom Out 2× of image 1 of [job lq…](https://discord.com/channels/…)`.
 */
export function sourceLine(job: Job, parent: Job | undefined): string | null {
  if (job.origin.kind === 'command') return null;
  const { parentJobId, imageIndex } = job.origin;
  const what = actionName(job);
  const image = imageIndex === null ? '' : ` of image ${imageIndex + 1}`;
  const link = parent === undefined ? null : messageLink(parent);
  const name = `job ${parentJobId}`;
  return `${what}${image} of ${link === null ? `\`${name}\`` : `[${name}](${link})`}`;
}

function actionName(job: Job): string {
  switch (job.origin.kind) {
    case 'reroll':
      return 'Reroll';
    case 'vary':
      return 'Vary';
    case 'upscale':
      return 'Upscale';
    case 'inpaint':
      return 'Vary (Region)';
    case 'edit':
      return 'Edit';
    default: {
      try {
        const parsed = outpaintActionOf(job.spec.options, job.spec.template);
        return parsed === null ? 'Outpaint' : describeOutpaint(parsed.action);
      } catch {
        return 'Outpaint';
      }
    }
  }
}

const SNOWFLAKE = /^\d{1,20}$/;

function messageLink(job: Job): string | null {
  const channelId = job.reply?.['channelId'];
  const messageId = job.reply?.['messageId'];
  if (typeof channelId !== 'string' || typeof messageId !== 'string' || !SNOWFLAKE.test(channelId) || !SNOWFLAKE.test(messageId)) return null;
  return `https://discord.com/channels/${job.guildId ?? '@me'}/${channelId}/${messageId}`;
}
