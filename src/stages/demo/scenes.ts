import { type Random, intBetween, pickOne, seededRandom } from '../../util/random.js';

/**
 * The demo's "photos": simple scenes of coloured shapes and signs, each with a caption that
 * describes it (colour, shape, count, position, the word on a sign). Generated from a seed, so
 * the site is the same on every run, and varied enough that a small model can learn from it.
 */

export const COLOURS = {
  red: '#d62828',
  orange: '#f77f00',
  yellow: '#f6c026',
  green: '#2a9d3f',
  blue: '#1d4ed8',
  purple: '#7b2cbf',
  pink: '#f72585',
  white: '#f4f4f4',
  black: '#151515',
  brown: '#8b5a2b',
  grey: '#8d8d8d',
} as const;

export type ColourName = keyof typeof COLOURS;
export const SHAPES = ['circle', 'square', 'triangle', 'star', 'diamond'] as const;
export type ShapeName = (typeof SHAPES)[number];
const WORDS = ['OPEN', 'STOP', 'SALE', 'CAT', 'DOG', 'SUN', 'HELLO', 'EXIT', 'FOOD', 'TAXI', 'HOTEL', 'BOOKS', 'MILK', 'RAIN'];
const COUNT_WORDS = ['', 'one', 'two', 'three', 'four'];

export interface Shape {
  kind: ShapeName;
  colour: ColourName;
  /** Centre and radius as fractions of the image's shorter side / size. */
  cx: number;
  cy: number;
  r: number;
}

export interface Scene {
  id: number;
  width: number;
  height: number;
  background: ColourName;
  shapes: Shape[];
  /** A sign with a word on it, instead of shapes. */
  sign?: { word: string; colour: ColourName; ink: ColourName };
  caption: string;
  /** Seed of the pixel noise. */
  noiseSeed: number;
}

export function makeScenes(count: number, seed: number): Scene[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, (_, id) => makeScene(rnd, id));
}

function makeScene(rnd: Random, id: number): Scene {
  const width = intBetween(rnd, 300, 640);
  const aspect = 0.75 + rnd() * 0.85; // width / height in [0.75, 1.6]
  const height = Math.max(240, Math.round(width / aspect));
  const background = pickOne(rnd, Object.keys(COLOURS) as ColourName[]);
  const base = { id, width, height, background, noiseSeed: Math.floor(rnd() * 2 ** 31) };
  const kind = rnd();
  if (kind < 0.2) return signScene(rnd, base);
  if (kind < 0.55) return oneShapeScene(rnd, base);
  if (kind < 0.8) return twoShapesScene(rnd, base);
  return countScene(rnd, base);
}

type Base = Pick<Scene, 'id' | 'width' | 'height' | 'background' | 'noiseSeed'>;

function otherColour(rnd: Random, not: ColourName[]): ColourName {
  const options = (Object.keys(COLOURS) as ColourName[]).filter((c) => !not.includes(c));
  return pickOne(rnd, options);
}

function lead(rnd: Random): string {
  return pickOne(rnd, ['', '', '', 'a photo of ', 'a picture of ', 'close-up of ']);
}

function oneShapeScene(rnd: Random, b: Base): Scene {
  const colour = otherColour(rnd, [b.background]);
  const kind = pickOne(rnd, SHAPES);
  const big = rnd() < 0.5;
  const where = pickOne(rnd, [['on the left', 0.3], ['on the right', 0.7], ['in the middle', 0.5]] as const);
  const shape: Shape = { kind, colour, cx: where[1], cy: 0.5, r: big ? 0.3 : 0.15 };
  const caption = `${lead(rnd)}a ${big ? 'large' : 'small'} ${colour} ${kind} ${where[0]} of ${an(b.background)} background`;
  return { ...b, shapes: [shape], caption: capitalise(caption) };
}

function twoShapesScene(rnd: Random, b: Base): Scene {
  const c1 = otherColour(rnd, [b.background]);
  const c2 = otherColour(rnd, [b.background, c1]);
  const [k1, k2] = [pickOne(rnd, SHAPES), pickOne(rnd, SHAPES)];
  const vertical = rnd() < 0.4;
  const shapes: Shape[] = vertical
    ? [{ kind: k1, colour: c1, cx: 0.5, cy: 0.28, r: 0.16 }, { kind: k2, colour: c2, cx: 0.5, cy: 0.72, r: 0.16 }]
    : [{ kind: k1, colour: c1, cx: 0.28, cy: 0.5, r: 0.18 }, { kind: k2, colour: c2, cx: 0.72, cy: 0.5, r: 0.18 }];
  const rel = vertical ? 'above' : 'to the left of';
  const caption = `${lead(rnd)}${an(c1)} ${k1} ${rel} ${an(c2)} ${k2} on ${b.background}`;
  return { ...b, shapes, caption: capitalise(caption) };
}

function countScene(rnd: Random, b: Base): Scene {
  const n = intBetween(rnd, 2, 4);
  const colour = otherColour(rnd, [b.background]);
  const kind = pickOne(rnd, SHAPES);
  const shapes: Shape[] = Array.from({ length: n }, (_, i) => ({ kind, colour, cx: (i + 0.5) / n, cy: 0.5 + (i % 2 ? 0.12 : -0.12), r: 0.45 / n }));
  const caption = `${lead(rnd)}${COUNT_WORDS[n]} ${colour} ${kind}s in a row on ${an(b.background)} background`;
  return { ...b, shapes, caption: capitalise(caption) };
}

function signScene(rnd: Random, b: Base): Scene {
  const colour = otherColour(rnd, [b.background]);
  const ink = otherColour(rnd, [colour]);
  const word = pickOne(rnd, WORDS);
  const caption = `${lead(rnd)}${an(colour)} sign with the word ${word} in ${ink} letters`;
  return { ...b, shapes: [], sign: { word, colour, ink }, caption: capitalise(caption) };
}

/** `an orange`, `a red`. */
function an(word: string): string {
  return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
