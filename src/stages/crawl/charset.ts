/**
 * Page decoding (to be written, issue 2): the charset from the Content-Type header, a BOM or a
 * `<meta charset>` / `<meta http-equiv>` tag in the first bytes, decoded with TextDecoder.
 */
export interface DecodedPage {
  text: string;
  /** The WHATWG encoding label used, e.g. 'utf-8', 'windows-1251', 'shift_jis'. */
  charset: string;
}

export function decodeHtml(_bytes: Uint8Array, _contentType: string | undefined): DecodedPage {
  throw new Error('not implemented yet');
}
