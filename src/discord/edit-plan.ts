import type { EditPayload, MessageView, ViewEmbed, ViewFile } from './message-view.ts';

/**
 * Decides what one edit sends, given what the message already shows. Pure, so the
 * editor's rules about attachments can be read (and tested) in one place:
 * - output files (a final result) are uploaded unless exactly those are attached;
 * - a preview is uploaded at most once per `previewIntervalMs`; in between, the
 *   previous preview stays attached and shown, or, with none yet, the image is left out;
 * - a view without files clears whatever the message had attached.
 * The fingerprint describes the message after the edit, so an edit that would leave
 * it as it is can be skipped.
 */

export interface AttachedState {
  /** What the message shows now, as far as the editor knows. */
  attached: ViewFile[];
  /** Start of the last edit that uploaded a preview; null before the first. */
  lastPreviewUploadAt: number | null;
}

export interface EditPlan {
  payload: EditPayload;
  fingerprint: string;
  uploadsPreview: boolean;
  /** A newer preview than the one shown is being held back; it is due at this time. */
  previewDueAt: number | null;
}

export function planEdit(view: MessageView, state: AttachedState, now: number, previewIntervalMs: number): EditPlan {
  const preview = view.files.find((f) => f.kind === 'preview');
  const outputs = view.files.filter((f) => f.kind !== 'preview');
  const shownPreview = state.attached.find((f) => f.kind === 'preview');
  let files: ViewFile[] = [];
  let resulting: ViewFile[];
  let uploadsPreview = false;
  let previewDueAt: number | null = null;
  let imageName = view.embed.imageAttachmentName;

  if (outputs.length > 0) {
    resulting = sameFiles(view.files, state.attached) ? state.attached : (files = view.files);
  } else if (preview !== undefined && shownPreview?.id === preview.id) {
    resulting = state.attached;
    imageName = shownPreview.name;
  } else if (preview !== undefined && (state.lastPreviewUploadAt === null || now - state.lastPreviewUploadAt >= previewIntervalMs)) {
    resulting = files = [preview];
    uploadsPreview = true;
  } else if (preview !== undefined) {
    previewDueAt = (state.lastPreviewUploadAt ?? now) + previewIntervalMs;
    resulting = shownPreview === undefined ? [] : [shownPreview];
    imageName = shownPreview?.name;
  } else {
    resulting = [];
  }

  const attachments: EditPayload['attachments'] =
    files.length > 0 ? 'replace' : resulting.length > 0 || state.attached.length === 0 ? 'keep' : 'clear';
  const embed = withImage(view.embed, imageName !== undefined && resulting.some((f) => f.name === imageName) ? imageName : undefined);
  const payload: EditPayload = { content: view.content, embed, buttons: view.buttons, files, attachments, resultingFiles: resulting };
  const fingerprint = JSON.stringify([view.content, embed, view.buttons, resulting.map((f) => f.id)]);
  return { payload, fingerprint, uploadsPreview, previewDueAt };
}

function sameFiles(a: ViewFile[], b: ViewFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.id === b[i]!.id && f.name === b[i]!.name);
}

function withImage(embed: ViewEmbed, imageName: string | undefined): ViewEmbed {
  const { imageAttachmentName: _previous, ...rest } = embed;
  return imageName === undefined ? rest : { ...rest, imageAttachmentName: imageName };
}
