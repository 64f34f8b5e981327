import { ApplicationCommandType, type APIApplicationCommand, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';

/**
 * Local slash-command definitions against what Discord has registered. Discord answers
 * with its own fields added (ids, versions, defaults) and leaves out false flags, so
 * both sides are reduced to what a user sees: names, types, descriptions, options with
 * their bounds and choices.
 */

type Loose = Record<string, unknown>;

function shape(raw: Loose): Loose {
  const options = Array.isArray(raw['options']) ? (raw['options'] as Loose[]).map(shape) : [];
  const choices = Array.isArray(raw['choices']) ? (raw['choices'] as Loose[]).map((choice) => [choice['name'], choice['value']]) : [];
  return {
    name: raw['name'],
    type: raw['type'] ?? ApplicationCommandType.ChatInput,
    description: raw['description'] ?? '',
    required: raw['required'] === true,
    autocomplete: raw['autocomplete'] === true,
    min: raw['min_value'] ?? raw['min_length'] ?? null,
    max: raw['max_value'] ?? raw['max_length'] ?? null,
    choices,
    options,
  };
}

const key = (command: Loose): string => `${JSON.stringify(command['type'] ?? ApplicationCommandType.ChatInput)}:${String(command['name'])}`;
const label = (command: Loose): string => (command['type'] === undefined || command['type'] === ApplicationCommandType.ChatInput ? `/${String(command['name'])}` : `'${String(command['name'])}'`);

/** Null when Discord has exactly the local commands; else the first difference, in words. */
export function commandsDiffer(local: readonly RESTPostAPIApplicationCommandsJSONBody[], registered: readonly APIApplicationCommand[]): string | null {
  const mine = new Map((local as unknown as Loose[]).map((command) => [key(command), command]));
  const theirs = new Map((registered as unknown as Loose[]).map((command) => [key(command), command]));
  const absent = [...mine.keys()].filter((name) => !theirs.has(name)).map((name) => label(mine.get(name)!));
  if (absent.length > 0) return `not registered: ${absent.join(', ')}`;
  const extra = [...theirs.keys()].filter((name) => !mine.has(name)).map((name) => label(theirs.get(name)!));
  if (extra.length > 0) return `registered but not in this checkout: ${extra.join(', ')}`;
  const changed = [...mine.entries()].filter(([name, command]) => JSON.stringify(shape(command)) !== JSON.stringify(shape(theirs.get(name)!)));
  if (changed.length > 0) return `registered with other options or texts: ${changed.map(([, command]) => label(command)).join(', ')}`;
  return null;
}
