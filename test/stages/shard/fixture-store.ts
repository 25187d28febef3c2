/** The shard tests' store fixtures live in src/store/fixture-pairs.ts (bench/ uses them too). */
export { addFixturePairs, setKept, type FixturePair, type FixtureRow } from '../../../src/store/fixture-pairs.js';
