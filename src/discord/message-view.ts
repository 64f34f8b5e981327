/**
 * A Discord message as plain data: what the renderer produces, what the reply editor
 * throttles and compares, and what the adapter turns into discord.js options
 * (to-discord-payload.ts). No discord.js import here, so the core can build and test
 * views without it.
 */

export interface ViewFile {
  /** The attachment's filename; embeds refer to it as `attachment://<name>`. */
  name: string;
  data: Buffer;
  /** Same id ⇒ same bytes: lets the editor tell a new preview from one already uploaded. */
  id: string;
  /** Previews are throttled by the editor; outputs always go out with their edit. */
  kind: 'preview' | 'output';
}

export interface ViewField {
  name: string;
  value: string;
  inline: boolean;
}

export interface ViewEmbed {
  title: string;
  description: string;
  fields: ViewField[];
  color: number;
  /** Shown as the embed's image; must name one of the message's attachments. */
  imageAttachmentName?: string;
  footer: string;
}

export type ViewButtonStyle = 'primary' | 'secondary' | 'success' | 'danger';

export interface ViewButton {
  customId: string;
  label: string;
  style: ViewButtonStyle;
  emoji?: string;
  disabled?: boolean;
}

export interface MessageView {
  content: string;
  embed: ViewEmbed;
  files: ViewFile[];
  /** Action rows, top to bottom. */
  buttons: ViewButton[][];
}

/**
 * What the editor asks a sink to send: the view, with the attachments decided.
 * - `replace`: upload `files`; they become the message's only attachments.
 * - `keep`: upload nothing, leave the attachments the message already has.
 * - `clear`: upload nothing, remove every attachment.
 */
export interface EditPayload {
  content: string;
  embed: ViewEmbed;
  buttons: ViewButton[][];
  files: ViewFile[];
  attachments: 'replace' | 'keep' | 'clear';
  /** Every file the message shows once edited (kept ones included): what a fresh post uploads. */
  resultingFiles: ViewFile[];
}
