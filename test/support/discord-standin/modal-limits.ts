import { ComponentType } from 'discord.js';
import { apiErrors, fieldError, type StandinReply } from './api-errors.ts';

/**
 * What Discord refuses in a modal (callback type 9), as far as this project's forms
 * go: custom_id 1–100, 1–5 top-level components, and a file upload (type 19) only
 * inside a Label (type 18) with 0–10 files asked for.
 */

interface ModalComponent {
  type?: number;
  custom_id?: string;
  component?: ModalComponent;
  components?: ModalComponent[];
  min_values?: number;
  max_values?: number;
}

interface ModalData {
  custom_id?: string;
  title?: string;
  components?: ModalComponent[];
}

const tooLong = (path: string, max: number) => apiErrors.invalidFormBody(fieldError(path, 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${max} in length.`));

function refuseUpload(upload: ModalComponent, path: string): StandinReply | null {
  const id = upload.custom_id ?? '';
  if (id.length === 0 || id.length > 100) return tooLong(`${path}.custom_id`, 100);
  for (const key of ['min_values', 'max_values'] as const) {
    const value = upload[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 10)) {
      return apiErrors.invalidFormBody(fieldError(`${path}.${key}`, 'NUMBER_TYPE_MAX', 'int value should be between 0 and 10.'));
    }
  }
  return null;
}

/** `body`: the callback's `data`, as the bot sent it. */
export function refuseModal(body: unknown): StandinReply | null {
  const data = (body ?? {}) as ModalData;
  const id = data.custom_id ?? '';
  if (id.length === 0 || id.length > 100) return tooLong('data.custom_id', 100);
  const components = data.components ?? [];
  if (components.length === 0 || components.length > 5) return tooLong('data.components', 5);
  for (const [index, top] of components.entries()) {
    const path = `data.components.${index}`;
    if ((top.components ?? []).some((inner) => inner.type === ComponentType.FileUpload)) {
      return apiErrors.invalidFormBody(fieldError(`${path}.components`, 'COMPONENT_TYPE_INVALID', 'A file upload must be inside a Label.'));
    }
    if (top.type === ComponentType.Label && top.component?.type === ComponentType.FileUpload) {
      const refused = refuseUpload(top.component, `${path}.component`);
      if (refused !== null) return refused;
    }
  }
  return null;
}
