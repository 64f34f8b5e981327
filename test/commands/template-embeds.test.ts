import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { embedLength, fitEmbed } from '../../src/commands/embed-fit.ts';
import { choiceList, describeOption, templateDetailEmbed, templateListEmbed } from '../../src/commands/template-embeds.ts';
import type { Template, TemplateOption } from '../../src/workflows/index.ts';

function template(name: string, overrides: Partial<Template> = {}): Template {
  return { name, file: `${name}.json`, description: '', kind: 'txt2img', role: 'generate', source: 'declared', options: [], graph: {}, notes: [], ...overrides };
}

function option(name: string, overrides: Partial<TemplateOption> = {}): TemplateOption {
  return { name, type: 'int', description: '', required: false, targets: [], ...overrides };
}

/** Every limit of docs/discord-limits.md that an embed can break. */
function expectWithinLimits(embed: APIEmbed): void {
  expect(embed.title?.length ?? 0).toBeLessThanOrEqual(256);
  expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4096);
  expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
  for (const field of embed.fields ?? []) {
    expect(field.name.length).toBeGreaterThan(0);
    expect(field.name.length).toBeLessThanOrEqual(256);
    expect(field.value.length).toBeGreaterThan(0);
    expect(field.value.length).toBeLessThanOrEqual(1024);
  }
  expect(embed.footer?.text.length ?? 0).toBeLessThanOrEqual(2048);
  expect(embedLength(embed)).toBeLessThanOrEqual(6000);
}

describe('templateListEmbed', () => {
  it('GIVEN two templates THEN each shows with its kind and description, markdown escaped', () => {
    const embed = templateListEmbed([template('sdxl', { description: 'Fast *and* good' }), template('upscale_4x', { kind: 'upscale' })]);
    expect(embed.title).toBe('Workflow templates (2)');
    expect(embed.description).toContain('**sdxl** · txt2img — Fast \\*and\\* good');
    expect(embed.description).toContain('**upscale\\_4x** · upscale');
    expectWithinLimits(embed);
  });

  it('GIVEN 200 templates with long descriptions THEN the list is cut on a line and says how many are left out', () => {
    const many = Array.from({ length: 200 }, (_, i) => template(`template-${String(i).padStart(3, '0')}`, { description: 'd'.repeat(500) }));
    const embed = templateListEmbed(many);
    expectWithinLimits(embed);
    const lines = embed.description!.split('\n');
    const shown = lines.filter((line) => line.startsWith('**')).length;
    expect(lines.at(-1)).toBe(`…and ${200 - shown} more`);
    expect(shown).toBeGreaterThan(5);
  });

  it('GIVEN no templates THEN it says so', () => {
    expect(templateListEmbed([]).description).toMatch(/No templates/);
  });
});

describe('templateDetailEmbed', () => {
  it('GIVEN typical options THEN each field shows type, default, range, and the Discord option that sets it', () => {
    const embed = templateDetailEmbed(
      template('sdxl', {
        options: [
          option('prompt', { type: 'text', required: true, maxLength: 4000 }),
          option('steps', { default: 30, min: 1, max: 150, description: 'Sampling steps' }),
          option('seed', { type: 'seed', default: 'random' }),
          option('sampler', { type: 'choice', default: 'euler', choicesFrom: { class: 'KSampler', input: 'sampler_name' } }),
          option('style', { type: 'choice', default: 'none', choices: ['none', 'anime', 'photo'] }),
        ],
      }),
    );
    expectWithinLimits(embed);
    const field = (name: string) => embed.fields?.find((f) => f.name === name)?.value ?? '';
    expect(field('prompt (required)')).toBe('text · up to 4000 characters · set with `prompt`');
    expect(field('steps')).toBe('int · default `30` · 1 to 150 · set with `steps`\nSampling steps');
    expect(field('seed')).toContain('default `random`');
    expect(field('sampler')).toContain('Choices: from the server (KSampler.sampler\\_name)');
    expect(field('style')).toContain('fixed from Discord');
    expect(field('style')).toContain('Choices: none, anime, photo');
  });

  it('GIVEN 40 options with long descriptions THEN 25 fields at most, the last one saying how many are missing', () => {
    const options = Array.from({ length: 40 }, (_, i) => option(`opt${i}`, { description: 'x'.repeat(900) }));
    const embed = templateDetailEmbed(template('huge', { description: 'y'.repeat(5000), options }));
    expectWithinLimits(embed);
    const last = embed.fields!.at(-1)!;
    expect(last.name).toBe(`…and ${40 - (embed.fields!.length - 1)} more`);
  });
});

describe('choiceList and describeOption', () => {
  it('GIVEN 500 choices THEN the list stops within its room and counts the rest', () => {
    const choices = Array.from({ length: 500 }, (_, i) => `model_${i}.safetensors`);
    const text = choiceList(choices, 300);
    expect(text.length).toBeLessThanOrEqual(300);
    const shown = text.slice('Choices: '.length).split(' …and ')[0]!.split(', ').length;
    expect(text.endsWith(`…and ${500 - shown} more`)).toBe(true);
  });

  it('GIVEN an option whose every text is huge THEN the field value still fits 1024', () => {
    const text = describeOption(option('x', { type: 'choice', default: 'd'.repeat(3000), description: 'e'.repeat(3000), choices: ['c'.repeat(3000)] }));
    expect(text.length).toBeLessThanOrEqual(1024);
  });
});

describe('fitEmbed', () => {
  it('GIVEN fields that fit THEN nothing changes', () => {
    const embed = { title: 't', fields: [{ name: 'a', value: 'b' }] };
    expect(fitEmbed(embed)).toEqual(embed);
  });

  it('GIVEN empty field texts THEN they become a zero-width space (Discord refuses empty ones)', () => {
    expect(fitEmbed({ fields: [{ name: '', value: '' }] }).fields).toEqual([{ name: '\u200b', value: '\u200b' }]);
  });
});
