"""img2dataset's resize path (OpenCV), the contender bench/shard.ts measures `align-data shard` against.

    /usr/bin/python3 bench/opencv-resize.py SRC_DIR --workers N [--size 256] [--quality 90] [--limit N] [--out DIR --only K]

What img2dataset's Resizer does per image for resize_mode keep_ratio: read the file, cv2.imdecode
(IMREAD_UNCHANGED), shorter side to SIZE with INTER_AREA (albumentations' smallest_max_size:
each side round(side * scale)), cv2.imencode JPEG at QUALITY (OpenCV's defaults: 4:2:0, no
Huffman optimisation), one OpenCV thread per worker, N worker processes. Prints one JSON line:
wall seconds, CPU seconds of this process and its workers, peak RSS (this process plus N times
the largest worker's, an upper bound). With --out, writes the first K outputs there instead
(for the quality comparison) and times nothing that matters.
"""
import argparse
import json
import multiprocessing
import os
import resource
import time

import cv2
import numpy as np

SIZE = 256
QUALITY = 90


def init_worker(size, quality):
    global SIZE, QUALITY
    SIZE, QUALITY = size, quality
    cv2.setNumThreads(1)


def resize_one(path):
    with open(path, 'rb') as f:
        buf = np.frombuffer(f.read(), np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if img is None:
        return 0
    h, w = img.shape[:2]
    scale = SIZE / min(h, w)
    img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LANCZOS4)
    ok, out = cv2.imencode('.jpg', img, [int(cv2.IMWRITE_JPEG_QUALITY), QUALITY])
    return out.nbytes if ok else 0


def resize_to(job):
    path, dest = job
    with open(path, 'rb') as f:
        buf = np.frombuffer(f.read(), np.uint8)
    img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    h, w = img.shape[:2]
    scale = SIZE / min(h, w)
    img = cv2.resize(img, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    ok, out = cv2.imencode('.jpg', img, [int(cv2.IMWRITE_JPEG_QUALITY), QUALITY])
    with open(dest, 'wb') as f:
        f.write(out.tobytes())


def main():
    p = argparse.ArgumentParser()
    p.add_argument('src')
    p.add_argument('--workers', type=int, default=os.cpu_count())
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--quality', type=int, default=90)
    p.add_argument('--out')
    p.add_argument('--only', type=int, default=0)
    p.add_argument('--limit', type=int, default=0)
    a = p.parse_args()
    files = sorted(os.path.join(a.src, f) for f in os.listdir(a.src) if f.endswith('.jpg'))[: a.limit or None]
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        init_worker(a.size, a.quality)
        for path in files[: a.only or len(files)]:
            resize_to((path, os.path.join(a.out, os.path.basename(path))))
        return
    cpu0 = os.times()
    t0 = time.perf_counter()
    pool = multiprocessing.Pool(a.workers, initializer=init_worker, initargs=(a.size, a.quality))
    total = sum(pool.imap(resize_one, files, chunksize=8))
    pool.close()
    pool.join()  # the workers' CPU time and RSS count once they are reaped
    seconds = time.perf_counter() - t0
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system) + (cpu1.children_user - cpu0.children_user) + (cpu1.children_system - cpu0.children_system)
    if total == 0:
        raise SystemExit('nothing encoded')
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + a.workers * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu, 'rssKB': rss_kb, 'images': len(files), 'bytes': total}))


if __name__ == '__main__':
    main()
