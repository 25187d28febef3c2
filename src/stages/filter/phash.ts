// The perceptual hash moved to util/ (check uses it too); kept here so filter's imports stay as they were.
export { hammingDistance, perceptualHash } from '../../util/phash.js';
