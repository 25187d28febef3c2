/**
 * A 5×7 bitmap font for A-Z, drawn as SVG rectangles: text in the demo images renders the same
 * everywhere, with no dependence on the fonts a machine has installed.
 */
const GLYPHS: Record<string, string> = {
  A: '.###.#...##...######...##...##...#',
  B: '####.#...##...#####.#...##...#####.',
  C: '.###.#...##....#....#....#...#.###.',
  D: '####.#...##...##...##...##...#####.',
  E: '######....#....####.#....#....#####',
  F: '######....#....####.#....#....#....',
  G: '.###.#...##....#.####...##...#.####',
  H: '#...##...##...#######...##...##...#',
  I: '.###...#....#....#....#....#...###.',
  J: '..###...#....#....#....#.#..#..##..',
  K: '#...##..#.#.#..##...#.#..#..#.#...#',
  L: '#....#....#....#....#....#....#####',
  M: '#...###.###.#.##.#.##...##...##...#',
  N: '#...##...###..##.#.##..###...##...#',
  O: '.###.#...##...##...##...##...#.###.',
  P: '####.#...##...#####.#....#....#....',
  Q: '.###.#...##...##...##.#.##..#..##.#',
  R: '####.#...##...#####.#.#..#..#.#...#',
  S: '.#####....#.....###.....#....#####.',
  T: '#####..#....#....#....#....#....#..',
  U: '#...##...##...##...##...##...#.###.',
  V: '#...##...##...##...##...#.#.#...#..',
  W: '#...##...##...##.#.##.#.##.#.#.#.#.',
  X: '#...##...#.#.#...#...#.#.#...##...#',
  Y: '#...##...#.#.#...#....#....#....#..',
  Z: '#####....#...#...#...#...#....#####',
};

/** SVG rectangles drawing `text` (A-Z and spaces) with its top left at (x, y), `cell` px per dot. */
export function bitmapText(text: string, x: number, y: number, cell: number, fill: string): string {
  const rects: string[] = [];
  [...text.toUpperCase()].forEach((ch, i) => {
    const glyph = GLYPHS[ch];
    if (!glyph) return;
    for (let k = 0; k < 35; k++) {
      if (glyph[k] !== '#') continue;
      const gx = x + (i * 6 + (k % 5)) * cell;
      const gy = y + Math.floor(k / 5) * cell;
      rects.push(`<rect x="${gx}" y="${gy}" width="${cell}" height="${cell}"/>`);
    }
  });
  return `<g fill="${fill}">${rects.join('')}</g>`;
}

/** Width in px of `text` drawn by bitmapText. */
export function bitmapTextWidth(text: string, cell: number): number {
  return (text.length * 6 - 1) * cell;
}
