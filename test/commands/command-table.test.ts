import { ApplicationCommandType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { loadTemplateSet } from '../../src/workflows/template-folder.ts';
import { commandTable } from '../../src/commands/index.ts';
import { buildCommandDefinitions } from '../../src/commands/command-definitions.ts';

describe('the command table and the registered definitions', () => {
  it('GIVEN the shipped templates THEN every registered command has a handler and every handler a registration', async () => {
    const definitions = buildCommandDefinitions(await loadTemplateSet('workflows'), { allowDms: false });
    const table = commandTable();
    const slash = definitions.filter((d) => (d.type ?? ApplicationCommandType.ChatInput) === ApplicationCommandType.ChatInput).map((d) => d.name);
    const menus = definitions.filter((d) => d.type === ApplicationCommandType.Message).map((d) => d.name);
    expect(table.slash.map((c) => c.name).sort()).toEqual([...slash].sort());
    expect(table.messageMenus.map((c) => c.name)).toEqual(menus);
    expect(table.modals.map((m) => m.prefix)).toEqual(['remix', 'cczoom', 'ccvaryr']);
  });

  it("GIVEN the shipped templates THEN each command stays under Discord's 8000 characters and the autocomplete options have handlers", async () => {
    const definitions = buildCommandDefinitions(await loadTemplateSet('workflows'), { allowDms: true });
    const table = commandTable();
    for (const definition of definitions) {
      expect(JSON.stringify(definition).length).toBeLessThan(8000);
      const options = 'options' in definition ? JSON.stringify(definition.options ?? []) : '[]';
      if (options.includes('"autocomplete":true')) {
        expect(table.slash.find((c) => c.name === definition.name)?.autocomplete, definition.name).toBeTypeOf('function');
      }
    }
  });
});
