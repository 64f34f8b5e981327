import { describe, expect, it } from 'vitest';
import { ComfyHttpError, LOGGED_BODY_CHARS, PromptValidationError } from '../../src/comfy/errors.ts';
import { promptRejection, promptValidationError } from '../../src/comfy/prompt-errors.ts';

// Bodies exactly as a real ComfyUI answered them (test/fixtures/comfy-protocol/4_validation_errors.jsonl),
// plus invalid_prompt_id and value_not_in_list in the shapes newer servers send.
const bodies = {
  requiredInputMissing:
    '{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "Required input is missing: images", "extra_info": {}}, "node_errors": {"3": {"errors": [{"type": "required_input_missing", "message": "Required input is missing", "details": "images", "extra_info": {"input_name": "images"}}], "dependent_outputs": ["3"], "class_type": "SaveImage"}}}',
  unknownNode:
    '{"error": {"type": "invalid_prompt", "message": "Cannot execute because node NoSuchNode does not exist.", "details": "Node ID \'#1\'", "extra_info": {}}, "node_errors": {}}',
  belowMin:
    '{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}}, "node_errors": {"2": {"errors": [{"type": "value_smaller_than_min", "message": "Value 0 smaller than min of 1", "details": "steps", "extra_info": {"input_name": "steps", "input_config": ["INT", {"default": 5, "min": 1, "max": 1000}], "received_value": 0}}], "dependent_outputs": ["3"], "class_type": "SlowProgress"}}}',
  notAnInt:
    '{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}}, "node_errors": {"1": {"errors": [{"type": "invalid_input_type", "message": "Failed to convert an input value to a INT value", "details": "width, abc, invalid literal for int() with base 10: \'abc\'", "extra_info": {"input_name": "width", "input_config": ["INT", {"default": 512, "min": 1, "max": 16384, "step": 1}], "received_value": "abc", "exception_message": "invalid literal for int() with base 10: \'abc\'"}}], "dependent_outputs": ["3"], "class_type": "EmptyImage"}}}',
  linkToMissingNode:
    '{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "Exception when validating node: \'99\'", "extra_info": {}}, "node_errors": {"3": {"errors": [{"type": "exception_during_validation", "message": "Exception when validating node", "details": "\'99\'", "extra_info": {"exception_type": "KeyError", "traceback": ["  File \\"<comfyui>/execution.py\\", line 1010, in validate_prompt\\n    <source text omitted by the capture tool>\\n"]}}], "dependent_outputs": ["3"], "class_type": "SaveImage"}}}',
  missingImageFile:
    '{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}}, "node_errors": {"10": {"errors": [{"type": "custom_validation_failed", "message": "Custom validation failed for node", "details": "image - Invalid image file: does_not_exist_12345.png", "extra_info": {"input_name": "image"}}], "dependent_outputs": ["12"], "class_type": "LoadImage"}}}',
  noOutputs:
    '{"error": {"type": "prompt_no_outputs", "message": "Prompt has no outputs", "details": "", "extra_info": {}}, "node_errors": {}}',
  noPrompt:
    '{"error": {"type": "no_prompt", "message": "No prompt provided", "details": "No prompt provided", "extra_info": {}}, "node_errors": {}}',
  invalidPromptId:
    '{"error": {"type": "invalid_prompt_id", "message": "prompt_id must be a valid UUID", "details": "prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one", "extra_info": {}}, "node_errors": {}}',
  modelMissing:
    '{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}}, "node_errors": {"4": {"errors": [{"type": "value_not_in_list", "message": "Value not in list", "details": "ckpt_name: \'x.safetensors\' not in [\'a.safetensors\', \'b.safetensors\']", "extra_info": {"input_name": "ckpt_name", "input_config": [["a.safetensors", "b.safetensors"], {}], "received_value": "x.safetensors"}}], "dependent_outputs": ["9"], "class_type": "CheckpointLoaderSimple"}}}',
  comboNoModels:
    '{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}}, "node_errors": {"4": {"errors": [{"type": "value_not_in_list", "message": "Value not in list", "details": "ckpt_name: \'x.safetensors\' not in []", "extra_info": {"input_name": "ckpt_name", "input_config": ["COMBO", {"options": []}], "received_value": "x.safetensors"}}], "dependent_outputs": ["9"], "class_type": "CheckpointLoaderSimple"}}}',
};

function rejected(body: string, graph?: Parameters<typeof promptValidationError>[1]): PromptValidationError {
  return promptValidationError(body, graph);
}

describe('promptValidationError', () => {
  it('names node, class and input for a missing required input, and keeps node_errors raw', () => {
    const error = rejected(bodies.requiredInputMissing);
    expect(error.userMessage).toBe("Node 3 (SaveImage): required input 'images' is missing");
    expect(error.code).toBe('COMFY_PROMPT_INVALID');
    expect(error.errorType).toBe('prompt_outputs_failed_validation');
    expect(error.context['nodeErrors']).toEqual((JSON.parse(bodies.requiredInputMissing) as { node_errors: unknown }).node_errors);
    expect(error.issues[0]).toMatchObject({ nodeId: '3', classType: 'SaveImage', inputName: 'images', type: 'required_input_missing' });
  });

  it('says which node type is not installed for invalid_prompt', () => {
    expect(rejected(bodies.unknownNode).userMessage).toBe('Node 1 (NoSuchNode): this node type is not installed on the ComfyUI server');
  });

  it("names the class of a newer server's missing_node_type, not the node's title", () => {
    const body = JSON.stringify({
      error: {
        type: 'missing_node_type',
        message: "Node 'Upscaler' not found. The custom node may not be installed.",
        details: "Node ID '#72'",
        extra_info: { node_id: '72', class_type: 'UltimateSDUpscale', node_title: 'Upscaler' },
      },
      node_errors: {},
    });
    const error = rejected(body);
    expect(error.userMessage).toBe('Node 72 (UltimateSDUpscale): this node type is not installed on the ComfyUI server');
    expect(error.errorType).toBe('missing_node_type');
  });

  it('gives the value and the minimum for value_smaller_than_min', () => {
    const error = rejected(bodies.belowMin);
    expect(error.userMessage).toBe('Node 2 (SlowProgress): steps 0 is below the minimum of 1');
    expect(error.issues[0]?.value).toBe(0);
  });

  it('names the expected type for invalid_input_type', () => {
    expect(rejected(bodies.notAnInt).userMessage).toBe("Node 1 (EmptyImage): width 'abc' is not a valid INT");
  });

  it('explains a KeyError during validation as a link to a missing node', () => {
    const graph = { '3': { class_type: 'SaveImage', inputs: { images: ['99', 0] } } };
    expect(rejected(bodies.linkToMissingNode, graph).userMessage).toBe(
      'Node 3 (SaveImage): an input links to node 99, which is not in the workflow',
    );
  });

  it('tells the user to upload a LoadImage file that is missing', () => {
    const error = rejected(bodies.missingImageFile);
    expect(error.userMessage).toBe("Node 10 (LoadImage): image 'does_not_exist_12345.png' is not in ComfyUI's input folder (upload it first)");
    expect(error.issues[0]?.value).toBe('does_not_exist_12345.png');
  });

  it('explains prompt_no_outputs, no_prompt and invalid_prompt_id', () => {
    expect(rejected(bodies.noOutputs).userMessage).toMatch(/^The workflow has no output node \(such as SaveImage/);
    expect(rejected(bodies.noPrompt).userMessage).toBe('ComfyUI received no workflow in the request');
    const badId = rejected(bodies.invalidPromptId);
    expect(badId.errorType).toBe('invalid_prompt_id');
    expect(badId.userMessage).toMatch(/^ComfyUI refused the prompt id: prompt_id must be a valid UUID/);
  });

  it('says a model is not one of the server values and lists short choice lists', () => {
    expect(rejected(bodies.modelMissing).userMessage).toBe(
      "Node 4 (CheckpointLoaderSimple): ckpt_name 'x.safetensors' is not one of the server's values (choices: a.safetensors, b.safetensors)",
    );
    expect(rejected(bodies.comboNoModels).userMessage).toBe(
      "Node 4 (CheckpointLoaderSimple): ckpt_name 'x.safetensors' is not one of the server's values (the server has none installed)",
    );
  });

  it('puts one line per problem and caps long lists', () => {
    const nodeErrors: Record<string, unknown> = {};
    for (let id = 1; id <= 12; id += 1) {
      nodeErrors[String(id)] = {
        class_type: 'SaveImage',
        errors: [{ type: 'required_input_missing', message: 'Required input is missing', details: 'images', extra_info: { input_name: 'images' } }],
      };
    }
    const error = rejected(JSON.stringify({ error: { type: 'prompt_outputs_failed_validation' }, node_errors: nodeErrors }));
    const lines = error.userMessage.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe('…and 2 more problems');
  });

  it("GIVEN a 400 whose JSON is not ComfyUI's error shape (a proxy's) THEN none of its text reaches the user message", () => {
    for (const body of ['{"error": "Forbidden: x-api-key sk-123 rejected"}', '{"message": "bad key sk-123"}', '["sk-123"]', '"sk-123"']) {
      const error = rejected(body);
      expect(error.userMessage).toBe('ComfyUI refused the workflow (HTTP 400) without saying why.');
      expect(error.errorType).toBe('unrecognised');
      expect(JSON.stringify(error.context)).toContain('sk-123');
    }
  });

  it('keeps a body that is not JSON out of the user message, and in the log context', () => {
    const error = rejected('<html><body>Bad Request from proxy</body></html>');
    expect(error.userMessage).toBe('ComfyUI refused the workflow (HTTP 400) without saying why.');
    expect(JSON.stringify(error.context)).toContain('Bad Request from proxy');
  });
});

describe('promptRejection', () => {
  it('turns a 500 into an HTTP error that says only who answered what; the body goes to the log context, shortened', () => {
    const body = `500 Internal Server Error\n\nServer got itself in trouble\n${'x'.repeat(1000)}`;
    const error = promptRejection('gpu:8188', 500, body);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect(error).toMatchObject({ status: 500 });
    expect(error.userMessage).toBe('ComfyUI at gpu:8188 answered HTTP 500 on POST /prompt.');
    const logged = String(error.context['body']);
    expect(logged.startsWith('500 Internal Server Error Server got itself in trouble xxx')).toBe(true);
    expect(logged.length).toBe(LOGGED_BODY_CHARS + 1);
  });

  it('uses the validation error for a 400', () => {
    expect(promptRejection('gpu:8188', 400, bodies.belowMin)).toBeInstanceOf(PromptValidationError);
  });
});
