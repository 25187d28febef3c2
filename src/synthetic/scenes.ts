import { Rng } from '../util/rng.js';

/**
 * Synthetic captioned "photos" (the one generator, like open_clip's `synthetic` dataset): simple
 * scenes of coloured shapes and signs, each with a caption that describes it (colour, shape,
 * count, position, the word on a sign). Generated from a seed, so the demo site and synthetic
 * shards are the same on every run, and varied enough that a small model can learn from them.
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

/**
 * `count` scenes of 300-640 px with aspect ratios 0.75-1.6 or, given `size`, of size×size px
 * (the same scenes otherwise).
 */
export function makeScenes(count: number, seed: number, size?: number): Scene[] {
  const rnd = Rng.unmixed(seed);
  return Array.from({ length: count }, (_, id) => makeScene(rnd, id, size));
}

function makeScene(rnd: Rng, id: number, size: number | undefined): Scene {
  const drawnWidth = 300 + rnd.int(341);
  const aspect = 0.75 + rnd.next() * 0.85; // width / height in [0.75, 1.6]
  const width = size ?? drawnWidth;
  const height = size ?? Math.max(240, Math.round(drawnWidth / aspect));
  const background = rnd.pick(Object.keys(COLOURS) as ColourName[]);
  const base = { id, width, height, background, noiseSeed: rnd.int(2 ** 31) };
  const kind = rnd.next();
  if (kind < 0.2) return signScene(rnd, base);
  if (kind < 0.55) return oneShapeScene(rnd, base);
  if (kind < 0.8) return twoShapesScene(rnd, base);
  return countScene(rnd, base);
}

type Base = Pick<Scene, 'id' | 'width' | 'height' | 'background' | 'noiseSeed'>;

function otherColour(rnd: Rng, not: ColourName[]): ColourName {
  const options = (Object.keys(COLOURS) as ColourName[]).filter((c) => !not.includes(c));
  return rnd.pick(options);
}

function lead(rnd: Rng): string {
  return rnd.pick(['', '', '', 'a photo of ', 'a picture of ', 'close-up of ']);
}

function oneShapeScene(rnd: Rng, b: Base): Scene {
  const colour = otherColour(rnd, [b.background]);
  const kind = rnd.pick(SHAPES);
  const big = rnd.next() < 0.5;
  const where = rnd.pick([['on the left', 0.3], ['on the right', 0.7], ['in the middle', 0.5]] as const);
  const shape: Shape = { kind, colour, cx: where[1], cy: 0.5, r: big ? 0.3 : 0.15 };
  const caption = `${lead(rnd)}a ${big ? 'large' : 'small'} ${colour} ${kind} ${where[0]} of ${an(b.background)} background`;
  return { ...b, shapes: [shape], caption: capitalise(caption) };
}

function twoShapesScene(rnd: Rng, b: Base): Scene {
  const c1 = otherColour(rnd, [b.background]);
  const c2 = otherColour(rnd, [b.background, c1]);
  const [k1, k2] = [rnd.pick(SHAPES), rnd.pick(SHAPES)];
  const vertical = rnd.next() < 0.4;
  const shapes: Shape[] = vertical
    ? [{ kind: k1, colour: c1, cx: 0.5, cy: 0.28, r: 0.16 }, { kind: k2, colour: c2, cx: 0.5, cy: 0.72, r: 0.16 }]
    : [{ kind: k1, colour: c1, cx: 0.28, cy: 0.5, r: 0.18 }, { kind: k2, colour: c2, cx: 0.72, cy: 0.5, r: 0.18 }];
  const rel = vertical ? 'above' : 'to the left of';
  const caption = `${lead(rnd)}${an(c1)} ${k1} ${rel} ${an(c2)} ${k2} on ${b.background}`;
  return { ...b, shapes, caption: capitalise(caption) };
}

function countScene(rnd: Rng, b: Base): Scene {
  const n = 2 + rnd.int(3);
  const colour = otherColour(rnd, [b.background]);
  const kind = rnd.pick(SHAPES);
  const shapes: Shape[] = Array.from({ length: n }, (_, i) => ({ kind, colour, cx: (i + 0.5) / n, cy: 0.5 + (i % 2 ? 0.12 : -0.12), r: 0.45 / n }));
  const caption = `${lead(rnd)}${COUNT_WORDS[n]} ${colour} ${kind}s in a row on ${an(b.background)} background`;
  return { ...b, shapes, caption: capitalise(caption) };
}

function signScene(rnd: Rng, b: Base): Scene {
  const colour = otherColour(rnd, [b.background]);
  const ink = otherColour(rnd, [colour]);
  const word = rnd.pick(WORDS);
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
