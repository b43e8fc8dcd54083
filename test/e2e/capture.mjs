// README media from the E2E suite: cropped screenshots copied to media/screenshots/ under
// stable names (E2E_README_SHOTS=1), and an animated GIF assembled from a sequence of
// playwright screenshots (pngjs decodes them, gifenc encodes the animation).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import gifenc from 'gifenc';
import pngjs from 'pngjs';
import { OUT_DIR, REPO } from './harness.mjs';

// Both are CommonJS packages.
const { GIFEncoder, applyPalette, quantize } = gifenc;
const { PNG } = pngjs;

/** E2E_README_SHOTS=1: the README's screenshots are (re)written into media/screenshots/. */
export const README_SHOTS = process.env.E2E_README_SHOTS === '1';
export const MEDIA_DIR = path.join(REPO, 'media/screenshots');
/** Each README image stays below this (the .vsix ships them). */
export const MAX_SHOT_BYTES = 150 * 1024;
export const MAX_ANIMATION_BYTES = 1.5 * 1024 * 1024;

/** The theme the run uses, as the file name suffix: light (the default), dark or hc. */
export function themeSuffix(theme = process.env.E2E_THEME ?? '') {
  if (/high contrast/i.test(theme)) return /light/i.test(theme) ? 'hc-light' : 'hc';
  return /dark/i.test(theme) ? 'dark' : 'light';
}

/** The union of element boxes, padded and kept inside the viewport. */
export async function clipAround(page, locators, pad = 0) {
  const viewport = page.viewportSize() ?? { width: 1400, height: 900 };
  const boxes = [];
  for (const l of locators) {
    const b = await l.boundingBox();
    if (b) boxes.push(b);
  }
  if (boxes.length === 0) throw new Error('nothing to clip around');
  const x = Math.max(0, Math.floor(Math.min(...boxes.map((b) => b.x)) - pad));
  const y = Math.max(0, Math.floor(Math.min(...boxes.map((b) => b.y)) - pad));
  const right = Math.min(viewport.width, Math.ceil(Math.max(...boxes.map((b) => b.x + b.width)) + pad));
  const bottom = Math.min(viewport.height, Math.ceil(Math.max(...boxes.map((b) => b.y + b.height)) + pad));
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * A cropped screenshot into test-results/e2e/readme/<name>-<theme>.png; with
 * E2E_README_SHOTS=1 also into media/screenshots/. Fails when it is over MAX_SHOT_BYTES.
 */
export async function readmeShot(page, name, clip) {
  const file = `${name}-${themeSuffix()}.png`;
  const out = path.join(OUT_DIR, 'readme', file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const png = toPalettePng(await page.screenshot({ clip }));
  fs.writeFileSync(out, png);
  if (png.length > MAX_SHOT_BYTES)
    throw new Error(`${file} is ${png.length} bytes (limit ${MAX_SHOT_BYTES}): crop it tighter`);
  // High contrast: only the panel's shots go to the README (the rest is the workbench's theme).
  if (README_SHOTS && (!themeSuffix().startsWith('hc') || name.startsWith('panel-'))) {
    fs.mkdirSync(MEDIA_DIR, { recursive: true });
    fs.writeFileSync(path.join(MEDIA_DIR, file), png);
  }
  return `${path.relative(REPO, out)} (${(png.length / 1024).toFixed(0)} KB)`;
}

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * The screenshot as an 8-bit palette PNG (colour type 3, at most 256 colours quantized by
 * gifenc): UI screenshots have few colours, so this is a fraction of playwright's RGB file.
 */
export function toPalettePng(buffer) {
  const { width, height, data } = PNG.sync.read(buffer);
  const rgba = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const palette = quantize(rgba, 256, { format: 'rgb565' });
  const index = applyPalette(rgba, palette, 'rgb565');
  // rgb565 bins shift flat colours (white comes out 248,252,248): each entry becomes the mean of
  // the pixels mapped to it, so backgrounds and text keep their exact colours.
  const sums = palette.map(() => [0, 0, 0, 0]);
  for (let p = 0; p < index.length; p++) {
    const sum = sums[index[p]];
    sum[0] += rgba[p * 4];
    sum[1] += rgba[p * 4 + 1];
    sum[2] += rgba[p * 4 + 2];
    sum[3]++;
  }
  sums.forEach(([r, g, b, n], i) => {
    if (n > 0) palette[i] = [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
  });
  // Each scanline: filter type 0 (None), then its palette indices.
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    raw.set(index.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: palette
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from(palette.flatMap(([r, g, b]) => [r, g, b]))),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Decodes PNG buffers to RGBA pixels (all frames must have one size). */
function decode(pngs) {
  const frames = pngs.map((b) => PNG.sync.read(b));
  const { width, height } = frames[0];
  if (frames.some((f) => f.width !== width || f.height !== height))
    throw new Error('animation frames differ in size');
  return {
    width,
    height,
    frames: frames.map((f) => new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.length)),
  };
}

/**
 * An animated GIF (looping) of PNG screenshots, each shown for its delay (ms). One palette for
 * all frames (255 colours quantized from every frame, index 255 transparent); after the first
 * frame only the pixels that changed are drawn, the rest is transparent over the previous one.
 */
export function encodeGif(pngs, delays) {
  const { width, height, frames } = decode(pngs);
  // The palette from a sample of every frame: each frame's every 7th pixel.
  const stride = 7;
  const sampleLength = Math.ceil((width * height) / stride);
  const sample = new Uint8Array(sampleLength * 4 * frames.length);
  let o = 0;
  for (const f of frames)
    for (let p = 0; p < width * height; p += stride) {
      sample.set(f.subarray(p * 4, p * 4 + 4), o);
      o += 4;
    }
  const palette = quantize(sample.subarray(0, o), 255, { format: 'rgb565' });
  const TRANSPARENT = palette.length;
  palette.push([0, 0, 0]);
  while (palette.length < 256) palette.push([0, 0, 0]);
  const gif = GIFEncoder();
  let previous = null;
  frames.forEach((rgba, i) => {
    const index = applyPalette(rgba, palette.slice(0, TRANSPARENT), 'rgb565');
    const drawn = new Uint8Array(index);
    if (previous) for (let p = 0; p < drawn.length; p++) if (index[p] === previous[p]) drawn[p] = TRANSPARENT;
    previous = index;
    gif.writeFrame(drawn, width, height, {
      palette,
      delay: delays[i] ?? 1000,
      repeat: 0,
      transparent: i > 0,
      transparentIndex: TRANSPARENT,
      // 1: keep this frame under the next one (it only draws what changed).
      dispose: 1,
    });
  });
  gif.finish();
  return Buffer.from(gif.bytes());
}

/** Writes the animation to test-results/e2e/readme/ (and media/screenshots/ with E2E_README_SHOTS=1). */
export function saveAnimation(name, pngs, delays) {
  const gif = encodeGif(pngs, delays);
  if (gif.length > MAX_ANIMATION_BYTES)
    throw new Error(`${name} is ${gif.length} bytes (limit ${MAX_ANIMATION_BYTES})`);
  const out = path.join(OUT_DIR, 'readme', name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, gif);
  // The frames too, to look at one by one.
  pngs.forEach((png, i) => fs.writeFileSync(out.replace(/\.gif$/, `-frame${i + 1}.png`), png));
  // The README shows the light tour; the other themes' stay in test-results.
  if (README_SHOTS && themeSuffix() === 'light') {
    fs.mkdirSync(MEDIA_DIR, { recursive: true });
    fs.writeFileSync(path.join(MEDIA_DIR, name), gif);
  }
  return {
    file: path.relative(REPO, out),
    bytes: gif.length,
    frames: pngs.length,
    width: PNG.sync.read(pngs[0]).width,
  };
}
