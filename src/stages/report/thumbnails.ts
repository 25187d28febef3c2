/** Contact-sheet thumbnails as data: URIs (the page loads nothing from anywhere). */
import sharp from 'sharp';
import { imagePath } from '../../util/image-path.js';

const SIDE = 160;

/** A small JPEG of a stored image as a data: URI; null when the file is gone or does not decode. */
export async function thumbnailUri(dataDir: string, sha256: string): Promise<string | null> {
  try {
    const data = await sharp(imagePath(dataDir, sha256), { failOn: 'none', pages: 1 })
      .rotate()
      .resize(SIDE, SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 72 })
      .toBuffer();
    return `data:image/jpeg;base64,${data.toString('base64')}`;
  } catch {
    return null;
  }
}
