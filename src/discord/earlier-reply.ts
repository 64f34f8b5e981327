import { DISCORD_LIMITS } from '../discord-limits.ts';
import type { MessageView } from './message-view.ts';

/**
 * What a reply shows once its job's result had to be posted as a new message (Discord
 * held every edit route): the outcome's first line and a link to the new message, no
 * files and no buttons (those live on the new message), so it never goes on saying
 * "Queued" or "Running" for a job that is over. It starts with ↪️, not with the
 * outcome's emoji: it is a pointer, not a second copy of the result.
 */
export function pointerView(final: MessageView, link: string): MessageView {
  const outcome = final.content.split('\n')[0] ?? '';
  const content = `↪️ ${outcome} — the result is in a newer message: ${link}`.slice(0, DISCORD_LIMITS.content);
  const { imageAttachmentName: _image, ...embed } = final.embed;
  return { content, embed, files: [], buttons: [] };
}
