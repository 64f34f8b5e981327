import { Client, ComponentType, ModalSubmitInteraction, type APIModalSubmitGuildInteraction } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRemixMode, parseRemixValues, parseStrength, remixKeyOf, remixModal, REMIX_FIELDS } from '../../src/commands/remix-modal.ts';
import { textInputValues } from '../../src/commands/remix.ts';
import { isComfycordError } from '../../src/errors.ts';
import { modalSubmitInteraction } from '../support/discord-standin/payloads.ts';

// Never logged in: interactions built from raw gateway JSON need only the client object.
const client = new Client({ intents: [] });
afterAll(() => client.destroy());

type ModalCtor = new (client: Client, data: APIModalSubmitGuildInteraction) => ModalSubmitInteraction;
const submitted = (raw: APIModalSubmitGuildInteraction): ModalSubmitInteraction => new (ModalSubmitInteraction as unknown as ModalCtor)(client, raw);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isComfycordError(error)) return error.userMessage;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseStrength', () => {
  it.each([
    ['0.6', 0.6],
    ['.6', 0.6],
    ['0,6', 0.6],
    ['60%', 0.6],
    [' 1 ', 1],
    ['0', 0],
    ['100 %', 1],
  ])('reads %j as %d', (text, value) => {
    expect(parseStrength(text)).toBeCloseTo(value, 10);
  });

  it('GIVEN an empty field THEN the template default stays (null)', () => {
    expect(parseStrength('   ')).toBeNull();
  });

  it.each(['1.5', '-0.2', 'abc', '0.6.1', '1e-1', 'NaN', 'Infinity', '120%'])('refuses %j with a message naming the range', (text) => {
    expect(refusal(() => parseStrength(text))).toMatch(/from 0 to 1/);
  });
});

describe('parseRemixValues', () => {
  it('GIVEN prompt, negative and strength THEN all three are trimmed and typed', () => {
    expect(parseRemixValues({ prompt: '  a watercolour fox ', negative: ' blurry ', strength: '0.45' })).toEqual({
      prompt: 'a watercolour fox',
      negative: 'blurry',
      strength: 0.45,
    });
  });

  it('GIVEN only a prompt (optional inputs absent) THEN negative and strength are null', () => {
    expect(parseRemixValues({ prompt: 'x' })).toEqual({ prompt: 'x', negative: null, strength: null });
  });

  it('GIVEN a blank prompt or one over 4000 characters THEN it is refused', () => {
    expect(refusal(() => parseRemixValues({ prompt: '   ' }))).toMatch(/prompt is empty/);
    expect(refusal(() => parseRemixValues({ prompt: 'a'.repeat(4001) }))).toMatch(/4001 characters; the limit is 4000/);
  });
});

describe('remixModal', () => {
  it("GIVEN a very long prefilled prompt THEN every text stays within Discord's modal limits", () => {
    const modal = remixModal('0123456789abcdef', { prompt: 'p'.repeat(5000) });
    expect(modal.custom_id).toBe('remix:0123456789abcdef');
    expect(modal.title.length).toBeLessThanOrEqual(45);
    expect(modal.components.length).toBeLessThanOrEqual(5);
    for (const component of modal.components) {
      expect(component.type).toBe(ComponentType.Label);
      if (component.type !== ComponentType.Label) continue;
      expect(component.label.length).toBeLessThanOrEqual(45);
      expect(component.description?.length ?? 0).toBeLessThanOrEqual(100);
      const input = component.component;
      if (input.type === ComponentType.StringSelect) {
        // Discord: at most 25 options, each label, value and description at most 100 characters.
        expect(input.options.length).toBeLessThanOrEqual(25);
        for (const option of input.options) {
          expect(Math.max(option.label.length, option.value.length, option.description?.length ?? 0)).toBeLessThanOrEqual(100);
        }
        continue;
      }
      if (input.type !== ComponentType.TextInput) throw new Error('expected a text input or a string select');
      expect(input.max_length ?? 0).toBeLessThanOrEqual(4000);
      expect(input.value?.length ?? 0).toBeLessThanOrEqual(input.max_length ?? 4000);
      expect(input.placeholder?.length ?? 0).toBeLessThanOrEqual(100);
    }
    const ids = modal.components.flatMap((c) => (c.type === ComponentType.Label ? [c.component] : [])).map((c) => ('custom_id' in c ? c.custom_id : ''));
    expect(ids).toEqual([REMIX_FIELDS.prompt, REMIX_FIELDS.strength, REMIX_FIELDS.negative, REMIX_FIELDS.mode]);
  });

  it('GIVEN no prefill THEN the prompt input carries no value at all', () => {
    const label = remixModal('0123456789abcdef', { prompt: '  ' }).components[0];
    expect(label?.type === ComponentType.Label && label.component.type === ComponentType.TextInput && 'value' in label.component).toBe(false);
  });

  it('reads the key back from the custom_id and nothing from other ids', () => {
    expect(remixKeyOf('remix:0123456789abcdef')).toBe('0123456789abcdef');
    expect(remixKeyOf('remix:')).toBeNull();
    expect(remixKeyOf('cc:reroll:abc')).toBeNull();
  });
});

describe('textInputValues on a real discord.js ModalSubmitInteraction', () => {
  it.each(['label', 'action-row'] as const)('GIVEN the %s layout THEN every text input is read by custom_id', (layout) => {
    const interaction = submitted(
      modalSubmitInteraction({ customId: 'remix:0123456789abcdef', layout, fields: { prompt: 'a red fox', strength: '0.7', negative: '' } }),
    );
    const values = textInputValues(interaction);
    expect(values).toEqual({ prompt: 'a red fox', strength: '0.7', negative: '' });
    expect(parseRemixValues(values)).toEqual({ prompt: 'a red fox', negative: null, strength: 0.7 });
  });
});

describe('parseRemixMode', () => {
  it('GIVEN nothing picked THEN Remix; GIVEN edit THEN Edit', () => {
    expect(parseRemixMode([])).toBe('remix');
    expect(parseRemixMode(['remix'])).toBe('remix');
    expect(parseRemixMode(['edit'])).toBe('edit');
  });

  it('GIVEN a value the form never offered, or two THEN refused with what to do', () => {
    expect(refusal(() => parseRemixMode(['delete-everything']))).toBe('That Remix mode is not one this bot offers: use Apps → Remix on the message again.');
    expect(refusal(() => parseRemixMode(['remix', 'edit']))).toContain('not one this bot offers');
  });
});
