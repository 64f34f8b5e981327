import type { ModelLists } from './comfy-standin/catalogue.ts';

/**
 * The model files the shipped edit templates load (workflows/edit.json: Flux Kontext;
 * workflows/edit-qwen.json: Qwen-Image-Edit), for a stand-in that should be able to run them.
 */
export const EDIT_MODELS: Required<Pick<ModelLists, 'diffusion_models' | 'text_encoders' | 'vae'>> = {
  diffusion_models: ['flux1-dev-kontext_fp8_scaled.safetensors', 'qwen_image_edit_2509_fp8_e4m3fn.safetensors'],
  text_encoders: ['clip_l.safetensors', 't5xxl_fp8_e4m3fn_scaled.safetensors', 'qwen_2.5_vl_7b_fp8_scaled.safetensors'],
  vae: ['ae.safetensors', 'qwen_image_vae.safetensors'],
};
