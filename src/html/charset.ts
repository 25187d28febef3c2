/**
 * Page decoding: bytes → text, choosing the encoding the way a browser does (WHATWG "encoding
 * sniffing"): a byte order mark wins, then the Content-Type header's charset, then a
 * `<meta charset>` / `<meta http-equiv="content-type">` found by prescanning the first 1024 bytes,
 * and otherwise UTF-8. Browsers default to windows-1252 for Western locales; UTF-8 is the better
 * guess for a crawler today (pages without any declaration are mostly ASCII or UTF-8).
 *
 * Labels are mapped by TextDecoder itself (Node 20 ships full ICU: windows-1251, shift_jis,
 * euc-kr, gb18030, big5, ...). A label TextDecoder does not know is skipped, so the next step
 * decides, and UTF-8 is the last resort. Pure: no I/O.
 */
import { TextDecoder } from 'node:util';

export interface DecodedPage {
  text: string;
  /** The WHATWG encoding label used, e.g. 'utf-8', 'windows-1251', 'shift_jis'. */
  charset: string;
  /** Which step chose the encoding. */
  source?: 'bom' | 'header' | 'meta' | 'default';
}

/** How far into the page the meta prescan looks, as the HTML standard says. */
const PRESCAN_BYTES = 1024;

const decoders = new Map<string, TextDecoder>();

/** The canonical encoding name for a label, or null when TextDecoder does not support it. */
export function resolveEncodingLabel(label: string): string | null {
  const key = label.trim().toLowerCase();
  if (key === '') return null;
  // The standard maps x-user-defined to a byte → private-use mapping that Node lacks;
  // windows-1252 keeps ASCII right, which is what matters for the markup.
  if (key === 'x-user-defined') return 'windows-1252';
  const cached = decoders.get(key);
  if (cached) return cached.encoding;
  try {
    const decoder = new TextDecoder(key);
    decoders.set(key, decoder);
    return decoder.encoding;
  } catch {
    return null; // unknown label, or the 'replacement' encoding (iso-2022-kr & co.)
  }
}

function decoderFor(encoding: string): TextDecoder {
  let decoder = decoders.get(encoding);
  if (!decoder) {
    decoder = new TextDecoder(encoding);
    decoders.set(encoding, decoder);
  }
  return decoder;
}

export function decodeHtml(bytes: Uint8Array, contentType: string | undefined): DecodedPage {
  const chosen = chooseEncoding(bytes, contentType);
  // TextDecoder drops a BOM that matches its encoding, so the text never starts with U+FEFF.
  let text = decoderFor(chosen.charset).decode(bytes);
  if (chosen.charset === 'windows-1252') text = fixWindows1252(text);
  return { text, ...chosen };
}

/** WHATWG index-windows-1252 for bytes 0x80–0x9F (the only range where it differs from Latin-1). */
const WINDOWS_1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const C1_CONTROLS = /[\u0080-\u009f]/g;

/**
 * Node 20.18.3+ decodes windows-1252 (and so latin1, iso-8859-1, ascii, which map to it) as
 * plain Latin-1: byte 0x80 comes out U+0080 instead of '€' (nodejs/node#60888). Mapping the C1
 * controls afterwards is right either way: a correct decoder leaves none but the five that map to themselves.
 */
function fixWindows1252(text: string): string {
  return text.replace(C1_CONTROLS, (c) => WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!);
}

/** The encoding for these bytes and where it came from, without decoding them. */
export function chooseEncoding(
  bytes: Uint8Array,
  contentType: string | undefined,
): { charset: string; source: NonNullable<DecodedPage['source']> } {
  const bom = sniffBom(bytes);
  if (bom) return { charset: bom, source: 'bom' };
  const fromHeader = contentType ? charsetParam(contentType) : null;
  const headerEncoding = fromHeader === null ? null : resolveEncodingLabel(fromHeader);
  if (headerEncoding) return { charset: headerEncoding, source: 'header' };
  const fromMeta = prescanMetaCharset(bytes);
  if (fromMeta) return { charset: fromMeta, source: 'meta' };
  return { charset: 'utf-8', source: 'default' };
}

export function sniffBom(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return null;
}

/** The `charset` parameter of a Content-Type value (quotes removed), or null. */
export function charsetParam(contentType: string): string | null {
  const params = contentType.split(';');
  for (let i = 1; i < params.length; i++) {
    const param = params[i]!;
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    let value = param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return value === '' ? null : value;
  }
  return null;
}

/**
 * The encoding declared by a meta tag in the first 1024 bytes: the HTML standard's prescan,
 * simplified where the difference cannot change the result (it runs over a latin1 view of the bytes,
 * so every byte is one char and ASCII markup reads as itself).
 */
export function prescanMetaCharset(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PRESCAN_BYTES)).toString('latin1');
  let pos = 0;
  while (pos < head.length) {
    const lt = head.indexOf('<', pos);
    if (lt < 0) return null;
    if (head.startsWith('<!--', lt)) {
      const close = head.indexOf('-->', lt + 2); // "<!-->" closes at once, as the standard says
      if (close < 0) return null;
      pos = close + 3;
    } else if (/^<meta[\s/]/i.test(head.slice(lt, lt + 6))) {
      const { attrs, end } = readAttributes(head, lt + 5);
      const found = encodingFromMetaAttributes(attrs);
      if (found) return found;
      pos = end;
    } else if (/^<\/?[a-z]/i.test(head.slice(lt, lt + 3))) {
      pos = readAttributes(head, lt + 2).end; // skip the tag, quoted '>' included
    } else if (/^<[!/?]/.test(head.slice(lt, lt + 2))) {
      const gt = head.indexOf('>', lt + 1);
      if (gt < 0) return null;
      pos = gt + 1;
    } else {
      pos = lt + 1;
    }
  }
  return null;
}

function encodingFromMetaAttributes(attrs: Map<string, string>): string | null {
  let label: string | null = null;
  const charset = attrs.get('charset');
  if (charset !== undefined) {
    label = charset;
  } else if (attrs.get('http-equiv')?.toLowerCase() === 'content-type' && attrs.has('content')) {
    label = charsetFromMetaContent(attrs.get('content')!);
  }
  if (label === null) return null;
  const encoding = resolveEncodingLabel(label);
  // A page cannot be UTF-16 if an ASCII meta tag was readable in it: the standard says use UTF-8.
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return 'utf-8';
  return encoding;
}

/** The standard's "extracting a character encoding from a meta element" on a content value. */
export function charsetFromMetaContent(content: string): string | null {
  const match = /charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))/i.exec(content);
  if (!match) return null;
  const value = match[1] ?? match[2] ?? match[3] ?? '';
  return value === '' ? null : value;
}

const SPACE = /[\t\n\f\r /]/;

/** Reads attributes from `start` to the tag's '>' (the standard's "get an attribute", looped). */
function readAttributes(text: string, start: number): { attrs: Map<string, string>; end: number } {
  const attrs = new Map<string, string>();
  let i = start;
  for (;;) {
    while (i < text.length && SPACE.test(text[i]!)) i++;
    if (i >= text.length) return { attrs, end: i };
    if (text[i] === '>') return { attrs, end: i + 1 };
    let name = '';
    while (i < text.length && !SPACE.test(text[i]!) && text[i] !== '>' && !(text[i] === '=' && name !== '')) {
      name += text[i]!;
      i++;
    }
    while (i < text.length && /[\t\n\f\r ]/.test(text[i]!)) i++;
    let value = '';
    if (text[i] === '=') {
      i++;
      while (i < text.length && /[\t\n\f\r ]/.test(text[i]!)) i++;
      const quote = text[i];
      if (quote === '"' || quote === "'") {
        const close = text.indexOf(quote, i + 1);
        if (close < 0) return { attrs, end: text.length };
        value = text.slice(i + 1, close);
        i = close + 1;
      } else {
        while (i < text.length && !/[\t\n\f\r >]/.test(text[i]!)) value += text[i++]!;
      }
    }
    const key = name.toLowerCase();
    if (key !== '' && !attrs.has(key)) attrs.set(key, value); // the first occurrence wins
  }
}
