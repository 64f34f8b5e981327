import { describe, expect, it } from 'vitest';
import { parseTextMessage } from '../src/comfy/messages.ts';

describe('parseTextMessage', () => {
  it('keeps unknown message types instead of throwing', () => {
    expect(parseTextMessage('{"type":"display_component","data":{"x":1}}')).toEqual({
      type: 'unknown',
      rawType: 'display_component',
      data: { x: 1 },
    });
  });
});
