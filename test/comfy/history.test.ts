import { describe, expect, it } from 'vitest';
import { ComfyExecutionError, ComfyInterruptedError } from '../../src/comfy/errors.ts';
import { aheadOf, compareNodeIds, historyOutcome, parseHistory, parseQueue } from '../../src/comfy/history.ts';

const id = 'd2ff4a95-983c-4613-a4a9-933565cf07be';

describe('history', () => {
  it('reads a successful entry with images in node order (numeric, not string order)', () => {
    const body = {
      [id]: {
        outputs: {
          '10': { images: [{ filename: 'b.png', subfolder: '', type: 'output' }] },
          '9': { images: [{ filename: 'a.png', subfolder: 'x', type: 'temp' }], text: ['hi'] },
        },
        status: { status_str: 'success', completed: true, messages: [['execution_start', { prompt_id: id }]] },
      },
    };
    const entry = parseHistory(body, id);
    const outcome = entry && historyOutcome(entry);
    expect(outcome?.kind).toBe('success');
    if (outcome?.kind !== 'success') return;
    expect(outcome.result.files.map((image) => image.filename)).toEqual(['a.png', 'b.png']);
    expect(outcome.result.outputs['9']?.['text']).toEqual(['hi']);
  });

  it('turns recorded execution_error and execution_interrupted into typed errors', () => {
    const failed = parseHistory(
      {
        [id]: {
          outputs: {},
          status: {
            status_str: 'error',
            completed: false,
            messages: [['execution_error', { node_id: '2', node_type: 'RaiseError', exception_type: 'RuntimeError', exception_message: 'boom\n' }]],
          },
        },
      },
      id,
    );
    const error = failed && historyOutcome(failed);
    expect(error?.kind === 'failed' && error.error).toBeInstanceOf(ComfyExecutionError);
    expect(error?.kind === 'failed' && error.error.userMessage).toBe('ComfyUI failed in node 2 (RaiseError): boom');

    const interrupted = parseHistory(
      { [id]: { outputs: {}, status: { status_str: 'error', messages: [['execution_interrupted', { node_id: '2', node_type: 'SlowProgress' }]] } } },
      id,
    );
    const stopped = interrupted && historyOutcome(interrupted);
    expect(stopped?.kind === 'failed' && stopped.error).toBeInstanceOf(ComfyInterruptedError);
  });

  it('knows an unknown prompt from an empty answer', () => {
    expect(parseHistory({}, id)).toBeNull();
    expect(parseHistory([], id)).toBeNull();
  });

  it('orders subgraph ids part by part', () => {
    expect(['5:10', '12', '5:2', '5'].sort(compareNodeIds)).toEqual(['5', '5:2', '5:10', '12']);
  });

  it('counts prompts ahead: running ones plus pending with a lower number', () => {
    const queue = parseQueue({ queue_running: [[1, 'a']], queue_pending: [[4, 'd'], [2, 'b'], [3, 'c']] });
    expect(aheadOf(queue, 'a')).toBe(0);
    expect(aheadOf(queue, 'b')).toBe(1);
    expect(aheadOf(queue, 'd')).toBe(3);
    expect(aheadOf(queue, 'x')).toBeNull();
  });
});
