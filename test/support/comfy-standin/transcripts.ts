import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_DIR } from '../repo-paths.ts';

/** Reads the real-ComfyUI captures (`*.jsonl`, format in the protocol README). */

export interface TranscriptRecord {
  seq: number;
  t_ms: number;
  kind: string;
  conn?: string;
  text?: boolean;
  binary?: boolean;
  msg?: { type: string; data: Record<string, unknown> };
  method?: string;
  path?: string;
  json?: unknown;
  body?: unknown;
  status?: number;
  content_type?: string;
  raw_body?: string;
  [key: string]: unknown;
}

export const TRANSCRIPTS = [
  '1_basic',
  '1b_legacy_previews',
  '2_queued_twice',
  '3_upload_loadimage',
  '4_validation_errors',
  '5_execution_error',
  '6_interrupt_and_delete',
  '7_reconnect',
  '7b_duplicate_client_id',
  '8_info_endpoints',
  '9_no_client_id_and_text',
] as const;

export function loadTranscript(name: (typeof TRANSCRIPTS)[number]): TranscriptRecord[] {
  return readFileSync(path.join(PROTOCOL_DIR, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TranscriptRecord);
}

/** Frame types received on `conn`, in the TestSocket.types() vocabulary. */
export function receivedTypes(records: TranscriptRecord[], conn: string): string[] {
  return records
    .filter((r) => r.kind === 'ws_in' && r.conn === conn)
    .map((r) => (r.binary === true ? `bin${String(r['event_type'])}` : (r.msg?.type ?? '?')));
}

/** The HTTP request/response pairs, in order. */
export function httpExchanges(records: TranscriptRecord[]): Array<{ request: TranscriptRecord; response: TranscriptRecord }> {
  const pairs: Array<{ request: TranscriptRecord; response: TranscriptRecord }> = [];
  let pending: TranscriptRecord | undefined;
  for (const record of records) {
    if (record.kind === 'http_req') pending = record;
    if (record.kind === 'http_res' && pending !== undefined) {
      pairs.push({ request: pending, response: record });
      pending = undefined;
    }
  }
  return pairs;
}
