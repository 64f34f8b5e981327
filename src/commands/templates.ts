import { MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from './caller.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { filterChoices } from './image-autocomplete.ts';
import { templateDetailEmbed, templateListEmbed } from './template-embeds.ts';

/** `/templates [template]`: every template, or one template's options in detail. Ephemeral: it is reference, not conversation. */
export const templatesCommand: SlashCommand = {
  name: COMMAND_NAMES.templates,
  async execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
    const requester = await requesterOf(interaction, context);
    const name = interaction.options.getString('template')?.trim() ?? '';
    const embed = name === '' ? templateListEmbed(context.templates.list()) : templateDetailEmbed(context.templates.require(name));
    await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    context.logger.info({ command: 'templates', userId: requester.userId, template: name || null }, 'templates shown');
  },
  async autocomplete(interaction: AutocompleteInteraction, context: CommandContext): Promise<void> {
    const typed = interaction.options.getFocused();
    const names = filterChoices(context.templates.names(), typed);
    await interaction.respond(names.map((name) => ({ name: name.slice(0, 100), value: name.slice(0, 100) })));
  },
};
