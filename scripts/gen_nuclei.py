#!/usr/bin/python3
"""A synthetic fluorescence-microscopy nuclei set for the segmentation reference models (issue #17).

No biomedical segmentation set is reachable from here, so this draws one: 64x64 uint8 images of stained
nuclei (bright ellipses on a dark, uneven background) with their binary foreground masks (uint8 0/1).
numpy only. Every image comes from its own generator seeded with (SEED, split, index), so image i of a
split is the same whatever the split's size, and the same seed gives the same bytes.

Splits
  train    in distribution, any count (the trainer draws 4000 in memory; not committed)
  test     in distribution, committed: testdata/nuclei/test-300-{images,masks}.npy
  shifted  distribution shift for the uncertainty study, committed: testdata/nuclei/shifted-300-{...}.npy:
           3-4x fewer photons (more Poisson noise) and more read noise, dimmer nuclei on a brighter
           background (lower contrast), elongated and irregular nuclei, a little more blur

Usage: gen_nuclei.py [--out DIR] [--count N] [--splits test,shifted]   (writes DIR/SPLIT-N-images.npy etc.)
"""

import argparse
import os

import numpy as np

SEED = 17  # the number; any fixed value would do
SIZE = 64
SPLIT_CODE = {"train": 0, "test": 1, "shifted": 2}
COMMITTED = {"test": 300, "shifted": 300}

# Per-split ranges (low, high) of the drawing parameters; "shifted" differs in the marked ones only.
PARAMS = {
    "train": dict(
        count=(4, 12),           # nuclei per image
        radius=(4.0, 9.5),       # major semi-axis, pixels
        aspect=(0.6, 1.0),       # minor / major semi-axis
        wobble=(0.0, 0.08),      # amplitude of the boundary's low harmonics (0 = perfect ellipse)
        brightness=(0.35, 0.85),  # nucleus intensity above background
        background=(0.02, 0.12),  # mean background level
        gradient=(0.0, 0.10),    # amplitude of the uneven illumination
        blur=(0.5, 1.2),         # Gaussian PSF sigma, pixels
        photons=(40.0, 160.0),   # photons at intensity 1 (Poisson noise)
        read_noise=(0.005, 0.02),  # Gaussian sigma
        touching=0.4,            # chance that a nucleus is placed against the previous one
    ),
}
PARAMS["test"] = PARAMS["train"]
PARAMS["shifted"] = dict(
    PARAMS["train"],
    aspect=(0.3, 0.6),         # elongated
    wobble=(0.12, 0.25),       # irregular outlines
    brightness=(0.18, 0.45),   # lower contrast ...
    background=(0.10, 0.22),   # ... on a brighter background
    blur=(0.8, 1.6),
    photons=(12.0, 40.0),      # ~4x fewer photons
    read_noise=(0.03, 0.06),
)


def _gauss_kernel(sigma):
    r = max(1, int(np.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    return k / k.sum()


def blur(img, sigma):
    """Separable Gaussian blur, reflecting at the border (a PSF does not darken the image edge)."""
    k = _gauss_kernel(sigma)
    r = len(k) // 2
    p = np.pad(img, r, mode="reflect")
    rows = sum(k[i] * p[:, i:i + img.shape[1]] for i in range(len(k)))
    return sum(k[i] * rows[i:i + img.shape[0], :] for i in range(len(k)))


def smooth_noise(rng, sigma):
    """Zero-mean, unit-std random field with correlation length ~sigma: chromatin texture, illumination."""
    f = blur(rng.standard_normal((SIZE, SIZE)), sigma)
    return (f - f.mean()) / (f.std() + 1e-12)


def one_image(rng, prm):
    u = lambda key: rng.uniform(*prm[key])  # noqa: E731
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    # uneven background: a linear ramp plus a broad blob, as from vignetting and out-of-focus light
    bg = u("background") + u("gradient") * (
        0.5 * ((xx * np.cos(a := rng.uniform(0, 2 * np.pi)) + yy * np.sin(a)) / SIZE + 0.5)
        + 0.5 * np.clip(smooth_noise(rng, 12.0), -2, 2) / 2)
    signal = np.zeros((SIZE, SIZE))
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    prev = None
    for _ in range(int(rng.integers(prm["count"][0], prm["count"][1] + 1))):
        ra = u("radius")
        rb = ra * u("aspect")
        theta = rng.uniform(0, np.pi)
        if prev is not None and rng.uniform() < prm["touching"]:
            # against the previous nucleus: centre distance between 0.7x and 1.05x the sum of their radii,
            # so that they touch or overlap (the hard case for a foreground mask: no gap between them)
            phi = rng.uniform(0, 2 * np.pi)
            d = (prev[2] + 0.5 * (ra + rb)) * rng.uniform(0.7, 1.05)
            cx, cy = prev[0] + d * np.cos(phi), prev[1] + d * np.sin(phi)
        else:
            cx, cy = rng.uniform(-3, SIZE + 3, size=2)
        prev = (cx, cy, 0.5 * (ra + rb))
        dx, dy = xx - cx, yy - cy
        u_ = (dx * np.cos(theta) + dy * np.sin(theta)) / ra
        v_ = (-dx * np.sin(theta) + dy * np.cos(theta)) / rb
        ang = np.arctan2(v_, u_)
        amp = u("wobble")
        edge = 1.0 + amp * sum(rng.uniform(-1, 1) * np.cos(h * ang + rng.uniform(0, 2 * np.pi)) for h in (2, 3, 5))
        d2 = (u_ ** 2 + v_ ** 2) / edge ** 2
        inside = d2 <= 1.0
        # brighter centre, granular chromatin texture, occasional bright nucleoli
        bright = u("brightness")
        level = bright * (0.8 + 0.2 * np.clip(1.0 - d2, 0.0, 1.0))
        level = level * (1.0 + 0.18 * smooth_noise(rng, 1.2))
        for _ in range(int(rng.integers(0, 3))):
            sx, sy = cx + rng.uniform(-0.5, 0.5) * ra, cy + rng.uniform(-0.5, 0.5) * rb
            level = level + 0.25 * bright * np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / 2.0)
        # stains add up where nuclei overlap
        signal = signal + np.where(inside, np.maximum(level, 0.0), 0.0)
        mask |= inside
    img = blur(bg + signal, u("blur"))
    photons = u("photons")
    img = rng.poisson(np.clip(img, 0.0, None) * photons) / photons
    img = img + rng.normal(0.0, u("read_noise"), size=img.shape)
    return np.round(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8), mask.astype(np.uint8)


def generate(split, n, seed=SEED):
    """Images uint8 [n,1,64,64] and masks uint8 [n,64,64] (0 background, 1 nucleus) of a split."""
    prm = PARAMS[split]
    images = np.empty((n, 1, SIZE, SIZE), dtype=np.uint8)
    masks = np.empty((n, SIZE, SIZE), dtype=np.uint8)
    for i in range(n):
        rng = np.random.default_rng(np.random.SeedSequence([seed, SPLIT_CODE[split], i]))
        images[i, 0], masks[i] = one_image(rng, prm)
    return images, masks


def paths(out, split, n):
    return (os.path.join(out, "%s-%d-images.npy" % (split, n)), os.path.join(out, "%s-%d-masks.npy" % (split, n)))


def write(out, split, n, seed=SEED):
    os.makedirs(out, exist_ok=True)
    images, masks = generate(split, n, seed)
    pi, pm = paths(out, split, n)
    # written whole, then renamed: a trainer started meanwhile never reads a half-written cache file
    for path, arr in ((pi, images), (pm, masks)):
        with open(path + ".tmp", "wb") as f:
            np.save(f, arr)
        os.replace(path + ".tmp", path)
    return pi, pm


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(here), "testdata", "nuclei"))
    ap.add_argument("--splits", default="test,shifted")
    ap.add_argument("--count", type=int, default=None, help="images per split (default: the committed sizes)")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    for split in args.splits.split(","):
        n = args.count or COMMITTED.get(split, 4000)
        for p in write(args.out, split, n, args.seed):
            print(p)


if __name__ == "__main__":
    main()
