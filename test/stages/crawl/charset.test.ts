import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  charsetFromMetaContent,
  charsetParam,
  chooseEncoding,
  decodeHtml,
  prescanMetaCharset,
  resolveEncodingLabel,
} from '../../../src/html/charset.js';
import { extractPage } from '../../../src/html/extract.js';
import { ROOT } from '../../helpers/paths.js';

// The fixtures were encoded by Python's codecs (test/fixtures/pages/make-fixtures.py); the strings
// here are what those bytes must decode to.
const RU = 'Кошка спит на подоконнике';
const JA = '富士山の夜明けの写真';
const KO = '서울의 밤 풍경';
const ZH = '长城上的日落';
const EURO = 'Café crème — 5 €';

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(ROOT, 'test', 'fixtures', 'pages', name)));
}

/** The alt of the page's one image, through the real extractor: the text must survive end to end. */
function altOf(text: string): string | undefined {
  return extractPage(text, 'http://127.0.0.1/p.html').pairs[0]?.altRaw;
}

describe('decodeHtml: legacy encodings through TextDecoder', () => {
  test('windows-1251 from <meta charset>', () => {
    const page = decodeHtml(fixture('windows-1251-meta-charset.html'), 'text/html');
    expect(page).toMatchObject({ charset: 'windows-1251', source: 'meta' });
    expect(altOf(page.text)).toBe(RU);
  });

  test('Shift_JIS from <meta http-equiv="Content-Type">', () => {
    const page = decodeHtml(fixture('shift-jis-http-equiv.html'), undefined);
    expect(page).toMatchObject({ charset: 'shift_jis', source: 'meta' });
    expect(altOf(page.text)).toBe(JA);
  });

  test('EUC-KR from the Content-Type header alone', () => {
    const page = decodeHtml(fixture('euc-kr-no-declaration.html'), 'text/html; charset=EUC-KR');
    expect(page).toMatchObject({ charset: 'euc-kr', source: 'header' });
    expect(altOf(page.text)).toBe(KO);
  });

  test('GB18030 from an unquoted <meta charset=gb18030>', () => {
    const page = decodeHtml(fixture('gb18030-meta-charset-unquoted.html'), 'text/html');
    expect(page.charset).toBe('gb18030');
    expect(altOf(page.text)).toBe(ZH);
  });

  test('KOI8-R: a meta inside a comment is skipped, the real one later is found', () => {
    const page = decodeHtml(fixture('koi8-r-meta-after-comment.html'), undefined);
    expect(page.charset).toBe('koi8-r');
    expect(altOf(page.text)).toBe(RU);
  });

  test('a header charset label in another spelling ("latin1") maps to windows-1252', () => {
    const page = decodeHtml(fixture('windows-1252-no-declaration.html'), 'text/html; charset="latin1"');
    expect(page.charset).toBe('windows-1252');
    expect(altOf(page.text)).toBe(EURO);
  });

  test('windows-1252 bytes 0x80-0x9F follow the WHATWG index, not Latin-1 (works around nodejs/node#60888)', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
    // The index as the Encoding Standard prints it; 0x81, 0x8D, 0x8F, 0x90, 0x9D map to themselves.
    const expected = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
    expect(decodeHtml(bytes, 'text/html; charset=windows-1252').text).toBe(expected);
    expect(decodeHtml(bytes, 'text/html; charset=iso-8859-1').text).toBe(expected);
  });
});

describe('decodeHtml: the WHATWG order BOM > header > meta > default', () => {
  test('UTF-16LE and UTF-16BE with a BOM, no header; the BOM is not in the text', () => {
    const le = decodeHtml(fixture('utf-16le-bom.html'), undefined);
    expect(le).toMatchObject({ charset: 'utf-16le', source: 'bom' });
    expect(le.text.startsWith('<!DOCTYPE')).toBe(true);
    expect(altOf(le.text)).toBe(RU);
    expect(le.text).toContain(JA);
    const be = decodeHtml(fixture('utf-16be-bom.html'), 'text/html');
    expect(be).toMatchObject({ charset: 'utf-16be', source: 'bom' });
    expect(altOf(be.text)).toBe(KO);
    expect(be.text).toContain(ZH);
  });

  test('a BOM wins over the header and over the meta tag', () => {
    const page = decodeHtml(fixture('utf-8-bom-meta-claims-windows-1251.html'), 'text/html; charset=windows-1251');
    expect(page).toMatchObject({ charset: 'utf-8', source: 'bom' });
    expect(altOf(page.text)).toBe(JA);
    expect(page.text.charCodeAt(0)).not.toBe(0xfeff);
  });

  test('the header wins over a wrong meta tag', () => {
    const bytes = fixture('windows-1251-bytes-meta-claims-utf-8.html');
    const withHeader = decodeHtml(bytes, 'text/html; charset=windows-1251');
    expect(withHeader).toMatchObject({ charset: 'windows-1251', source: 'header' });
    expect(altOf(withHeader.text)).toBe(RU);
    // Without the header the (wrong) meta decides, and the Cyrillic bytes are not valid UTF-8.
    const withoutHeader = decodeHtml(bytes, 'text/html');
    expect(withoutHeader).toMatchObject({ charset: 'utf-8', source: 'meta' });
    expect(altOf(withoutHeader.text)).toContain('\uFFFD');
  });

  test('an unknown header label is skipped: the meta tag decides', () => {
    const page = decodeHtml(fixture('windows-1251-meta-charset.html'), 'text/html; charset=no-such-charset');
    expect(page).toMatchObject({ charset: 'windows-1251', source: 'meta' });
  });

  test('no declaration at all: UTF-8 (a windows-1252 page then shows replacement characters)', () => {
    expect(chooseEncoding(new TextEncoder().encode('<p>hi</p>'), undefined)).toEqual({ charset: 'utf-8', source: 'default' });
    const page = decodeHtml(fixture('windows-1252-no-declaration.html'), 'text/html');
    expect(page.source).toBe('default');
    expect(altOf(page.text)).toContain('\uFFFD');
  });

  test('a meta tag past the first 1024 bytes is not seen', () => {
    const cyrillic = [0xcf, 0xf0, 0xe8]; // "При" in windows-1251
    const meta = Buffer.from('<meta charset="windows-1251">', 'latin1');
    const early = Buffer.concat([meta, Buffer.from(cyrillic)]);
    expect(decodeHtml(early, undefined).text.endsWith('При')).toBe(true);
    const late = Buffer.concat([Buffer.from(`<!--${'x'.repeat(1020)}-->`), meta, Buffer.from(cyrillic)]);
    expect(decodeHtml(late, undefined).charset).toBe('utf-8');
  });

  test('a meta naming UTF-16 means UTF-8 (an ASCII-readable page cannot be UTF-16)', () => {
    expect(chooseEncoding(new TextEncoder().encode('<meta charset="utf-16"><p>x'), undefined)).toEqual({
      charset: 'utf-8',
      source: 'meta',
    });
  });
});

describe('label and parameter parsing', () => {
  test('charsetParam reads quoted, spaced and mixed-case parameters', () => {
    expect(charsetParam('text/html; charset=UTF-8')).toBe('UTF-8');
    expect(charsetParam('text/html;CHARSET = "Shift_JIS" ; foo=bar')).toBe('Shift_JIS');
    expect(charsetParam('text/html; foo=charset=x')).toBeNull();
    expect(charsetParam('text/html')).toBeNull();
    expect(charsetParam('text/html; charset=')).toBeNull();
  });

  test('charsetFromMetaContent follows the standard extraction', () => {
    expect(charsetFromMetaContent('text/html; charset=iso-8859-5')).toBe('iso-8859-5');
    expect(charsetFromMetaContent("text/html;charset='koi8-r'")).toBe('koi8-r');
    expect(charsetFromMetaContent('text/html; CharSet = "euc-jp"')).toBe('euc-jp');
    expect(charsetFromMetaContent('text/html')).toBeNull();
  });

  test('prescan ignores attribute values that only look like meta tags and reads http-equiv in any case', () => {
    const bytes = new TextEncoder().encode(
      '<div title="<meta charset=koi8-r>"></div><META HTTP-EQUIV="content-type" CONTENT="text/html; charset=euc-jp">',
    );
    expect(prescanMetaCharset(bytes)).toBe('euc-jp');
    expect(prescanMetaCharset(new TextEncoder().encode('<meta content="text/html; charset=big5">'))).toBeNull();
  });

  test('labels map through TextDecoder; unknown and replacement labels are null', () => {
    expect(resolveEncodingLabel('SJIS')).toBe('shift_jis');
    expect(resolveEncodingLabel(' cp1251 ')).toBe('windows-1251');
    expect(resolveEncodingLabel('gb2312')).toBe('gbk');
    expect(resolveEncodingLabel('x-user-defined')).toBe('windows-1252');
    expect(resolveEncodingLabel('iso-2022-kr')).toBeNull();
    expect(resolveEncodingLabel('klingon')).toBeNull();
  });
});
