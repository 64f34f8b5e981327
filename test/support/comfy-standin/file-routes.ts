import type { ServerResponse } from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { annotatedName, contentTypeOf, folderKey, isFolderType, type FileStore } from './files.ts';
import { sendBytes, sendEmpty, sendJson } from './http-util.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';
import type { RouteRequest } from './routes.ts';
import { damaged, type ViewFault } from './view-faults.ts';

/** GET /view and POST /upload/image, with ComfyUI's path checks and rename rule. */

export async function handleView(files: FileStore, query: URLSearchParams, res: ServerResponse, fault: ViewFault | null = null): Promise<void> {
  // A server that accepted the request and never answers: the client's own deadline must end it.
  if (fault === 'hang') return;
  const raw = query.get('filename');
  if (raw === null) return sendEmpty(res, 404);
  const { name, type: annotatedType } = annotatedName(raw);
  if (name.startsWith('/') || name.includes('..')) return sendEmpty(res, 400);
  const type = annotatedType ?? query.get('type') ?? 'output';
  if (!isFolderType(type)) return sendEmpty(res, 400);
  const subfolder = query.get('subfolder') ?? '';
  if (folderKey(subfolder, 'x') === null) return sendEmpty(res, 403);
  const filename = path.posix.basename(name);
  const key = folderKey(subfolder, filename);
  const data = key === null ? undefined : files.folder(type).get(key);
  if (data === undefined) return sendEmpty(res, 404);
  const disposition = { 'Content-Disposition': `filename="${filename}"` };

  const preview = query.get('preview');
  const channel = query.get('channel') ?? '';
  if (preview !== null) {
    const [requested, ...rest] = preview.split(';');
    const format = requested === 'jpeg' && !channel.includes('a') ? 'jpeg' : 'webp';
    const last = rest.at(-1);
    const quality = last !== undefined && /^\d+$/.test(last) ? Number(last) : 90;
    let image = sharp(data);
    if (format === 'jpeg' || channel === 'rgb') image = image.removeAlpha();
    const encoded = format === 'jpeg' ? await image.jpeg({ quality }).toBuffer() : await image.webp({ quality }).toBuffer();
    return sendBytes(res, `image/${format}`, encoded, disposition);
  }
  if (channel === 'rgb' || channel === 'a') {
    const image = channel === 'rgb' ? sharp(data).removeAlpha() : sharp(data).ensureAlpha().extractChannel(3);
    return sendBytes(res, 'image/png', await image.png().toBuffer(), disposition);
  }
  sendBytes(res, contentTypeOf(filename), fault === null ? data : damaged(fault, data), disposition);
}

/**
 * A name clash renames to `name (1).ext`, `name (2).ext`, ... unless `overwrite`
 * is "true"/"1"; identical bytes under the same name keep the name and are not
 * written again (ComfyUI fix #3465, seen in 3_upload_loadimage).
 */
export function handleUpload(files: FileStore, req: RouteRequest, res: ServerResponse): void {
  const contentType = req.headers['content-type'];
  const boundary = boundaryOf(typeof contentType === 'string' ? contentType : undefined);
  const form = boundary === null ? null : parseMultipart(req.body, boundary);
  const image = form?.files.find((file) => file.field === 'image');
  if (form === null || image === undefined || image.filename === '') return sendEmpty(res, 400);
  const type = form.fields['type'] ?? 'input';
  if (!isFolderType(type)) return sendEmpty(res, 400);
  const subfolder = form.fields['subfolder'] ?? '';
  const overwrite = form.fields['overwrite'] === 'true' || form.fields['overwrite'] === '1';
  const folder = files.folder(type);
  const ext = path.posix.extname(image.filename);
  const stem = image.filename.slice(0, image.filename.length - ext.length);
  let filename = image.filename;
  let key = folderKey(subfolder, filename);
  if (key === null) return sendEmpty(res, 400);
  let duplicate = false;
  for (let i = 1; !overwrite; i += 1) {
    const existing = folder.get(key);
    if (existing === undefined) break;
    if (existing.equals(image.data)) {
      duplicate = true;
      break;
    }
    filename = `${stem} (${i})${ext}`;
    key = folderKey(subfolder, filename) ?? key;
  }
  if (!duplicate) folder.set(key, image.data);
  sendJson(res, 200, { name: filename, subfolder, type });
}
