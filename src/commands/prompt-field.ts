import { ComponentType, TextInputStyle, type APILabelComponent } from 'discord.js';
import { PROMPT_MAX_LENGTH } from '../workflows/index.ts';

/** A form's required Prompt field (one Label around a paragraph input), filled with `value` when there is one. */
export function promptField(customId: string, description: string, value: string): APILabelComponent {
  return {
    type: ComponentType.Label,
    label: 'Prompt',
    description,
    component: {
      type: ComponentType.TextInput,
      custom_id: customId,
      style: TextInputStyle.Paragraph,
      required: true,
      min_length: 1,
      max_length: PROMPT_MAX_LENGTH,
      ...(value.trim() === '' ? {} : { value }),
    },
  };
}
