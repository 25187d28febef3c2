import sharp from 'sharp';
import { renderScene } from '../../../src/stages/demo/images.js';
import { makeScenes } from '../../../src/stages/demo/scenes.js';
test('debug', async () => {
  const scenes = makeScenes(10, 1);
  let t = Date.now();
  for (const s of scenes) await renderScene(s);
  console.log('render 10 ms', Date.now() - t);
  t = Date.now();
  const buf = Buffer.alloc(600000);
  for (let i = 0; i < buf.length; i++) buf[i] = (buf[i]! + i) & 255;
  console.log('loop ms', Date.now() - t);
  t = Date.now();
  for (let k = 0; k < 10; k++) await sharp({ create: { width: 500, height: 400, channels: 3, background: '#123' } }).jpeg().toBuffer();
  console.log('sharp 10 ms', Date.now() - t);
}, 300000);
