"""Quality of downscaled JPEGs against a float-precision reference downscale of the same originals.

    /usr/bin/python3 bench/shard-quality.py SRC_DIR NAME=DIR [NAME=DIR ...]

For every file in every DIR (and in SRC_DIR), the original is decoded in full and downscaled
in float64 to exactly the size each contender stored (so a one-pixel rounding difference costs
nobody anything), with two reference filters: exact area averaging (each output pixel the mean
of the source area it covers) and an antialiased Lanczos-3 (the kernel stretched by the scale
factor). Both are separable weight matrices applied to the full-resolution pixels, with no
integer rounding, no shrink-on-load and nothing shared with a contender's code. Scores per
contender, mean over the files: SSIM of the luma (Gaussian window 11, sigma 1.5, the usual
constants) and PSNR over R, G, B, each against both references. Prints one JSON object.
"""
import json
import math
import os
import sys

import cv2
import numpy as np


def area_taps(n_in, n_out):
    """Each output pixel: the mean of the source interval it covers, partial pixels by their overlap."""
    s = n_in / n_out
    k = int(math.ceil(s)) + 1
    lo = np.floor(np.arange(n_out) * s).astype(int)
    idx = lo[:, None] + np.arange(k)[None, :]
    a, b = np.arange(n_out)[:, None] * s, (np.arange(n_out)[:, None] + 1) * s
    w = np.clip(np.minimum(b, idx + 1) - np.maximum(a, idx), 0, None)
    return taps(idx, w, n_in)


def lanczos3_taps(n_in, n_out):
    """Lanczos-3 stretched by the scale factor, so it low-passes before it samples."""
    s = max(1.0, n_in / n_out)
    c = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    k = int(math.ceil(6 * s)) + 2
    idx = np.floor(c - 3 * s).astype(int)[:, None] + np.arange(k)[None, :]
    x = (idx - c[:, None]) / s
    w = np.sinc(x) * np.sinc(x / 3) * (np.abs(x) < 3)
    return taps(idx, w, n_in)


def taps(idx, w, n_in):
    w = np.where((idx >= 0) & (idx < n_in), w, 0.0)
    return np.clip(idx, 0, n_in - 1), w / w.sum(axis=1, keepdims=True)


def resample_rows(img, idx, w):
    out = np.zeros((idx.shape[0],) + img.shape[1:])
    for k in range(idx.shape[1]):
        out += w[:, k, None, None] * img[idx[:, k]]
    return out


def downscale(img, taps_of, h, w):
    tall = resample_rows(img, *taps_of(img.shape[0], h))
    return resample_rows(tall.transpose(1, 0, 2), *taps_of(img.shape[1], w)).transpose(1, 0, 2)


def luma(rgb):
    return rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114


def ssim(a, b):
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma * ma, blur(b * b) - mb * mb, blur(a * b) - ma * mb
    return float((((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))).mean())


def psnr(a, b):
    mse = float(((a - b) ** 2).mean())
    return 10 * math.log10(255 * 255 / max(mse, 1e-12))


def read_rgb(path):
    img = cv2.imread(path, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    return None if img is None else img[:, :, ::-1].astype(np.float64)


def main():
    src, contenders = sys.argv[1], [arg.split('=', 1) for arg in sys.argv[2:]]
    files = sorted(set.intersection(*(set(f for f in os.listdir(folder) if f.endswith('.jpg')) for _, folder in contenders)))
    scores = {name: {'ssimArea': [], 'psnrArea': [], 'ssimLanczos': [], 'psnrLanczos': []} for name, _ in contenders}
    for f in files:
        original = read_rgb(os.path.join(src, f))
        refs = {}
        for name, folder in contenders:
            out = read_rgb(os.path.join(folder, f))
            h, w = out.shape[:2]
            if (h, w) not in refs:
                refs[(h, w)] = {k: downscale(original, fn, h, w) for k, fn in (('Area', area_taps), ('Lanczos', lanczos3_taps))}
            for k, ref in refs[(h, w)].items():
                scores[name]['ssim' + k].append(ssim(luma(out), luma(ref)))
                scores[name]['psnr' + k].append(psnr(out, ref))
    print(json.dumps({name: {k: round(sum(v) / len(v), 5) for k, v in s.items()} | {'images': len(files)} for name, s in scores.items()}))


if __name__ == '__main__':
    main()
