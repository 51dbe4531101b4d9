"""The segmentation reference BNNs of issue #17: small binarized U-Nets on the synthetic nuclei set.

Imported by scripts/train_reference.py, which registers unet-sd and unet-det in its MODELS and calls
run_model() for them; the numpy evaluator of the exported graph (run_numpy) and the AUROC are that
script's, so that the U-Nets are checked by the same independent code as the classifiers.

The graph keeps every tensor a crossbar reads bipolar (BipolarQuant, sign(0) = +1): the full-precision
3x3 stem reads the real pixels and the full-precision 1x1 head reads binary maps, the two layers the
compiler runs on the digital unit; everything in between is binary weights on +-1 maps. Both upsampling
paths the compiler must take are exercised: a binary ConvTranspose (stride 2) and a nearest Resize.
"""

import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import onnx
from onnx import numpy_helper

import gen_nuclei
from bnncim import BinaryConv2d, BinaryConvTranspose2d, ScaleDropout, SignActivation, clip_weights
import bnncim

UNETS = ["unet-sd", "unet-det"]
DEFAULTS = {
    "unet-sd": dict(epochs=4, lr=3e-3, p=0.2, scale_init=2.0, batch=32, bn_momentum=0.1, width=16, n_train=4000),
    "unet-det": dict(epochs=4, lr=3e-3, p=0.0, scale_init=None, batch=32, bn_momentum=0.1, width=16,
                     n_train=4000),
}
KIND = {"unet-sd": "scale-dropout", "unet-det": "deterministic"}
_ARCH = ("input [N,1,64,64] pixel/255; stem Conv 3x3 1->C pad 1 (full precision, bias) - BN - BipolarQuant; "
         "enc1 Conv 3x3 C->C pad 1 (W +-1) - %(sd)sBN - BipolarQuant (skip 1, 64x64) - MaxPool 2; "
         "enc2 Conv 3x3 C->2C pad 1 - %(sd)sBN - BipolarQuant (skip 2, 32x32) - MaxPool 2; "
         "bottleneck Conv 3x3 2C->4C pad 1 - %(sd)sBN - BipolarQuant (16x16); "
         "up2 ConvTranspose 2x2 stride 2 4C->2C (W +-1) - %(sd)sBN - BipolarQuant (32x32); Concat(up2, skip 2); "
         "dec2 Conv 3x3 4C->2C pad 1 - %(sd)sBN - BipolarQuant; up1 Resize nearest x2 (64x64); Concat(up1, skip 1); "
         "dec1 Conv 3x3 3C->C pad 1 - %(sd)sBN - BipolarQuant; head Conv 1x1 C->1 (full precision, bias) - "
         "Sigmoid -> probabilities [N,1,64,64] (foreground probability). C = %(width)d.")
PENDING_REASON = ("issue #17: the compiler's import, mapping and simulation of Resize, Concat, ConvTranspose and "
                  "Sigmoid are being written; the model moves to models once bnncim verifies it")
MC_T = 20
MC_SEED = 2024
SEED = 0


def arch(name, cfg):
    return _ARCH % {"sd": "ScaleDropout - " if KIND[name] == "scale-dropout" else "", "width": cfg["width"]}


class Block(nn.Module):
    """Binary conv (3x3 pad 1, or 2x2 stride-2 transposed) - [ScaleDropout] - BN - BipolarQuant."""

    def __init__(self, cin, cout, sd, p, scale_init, bn_momentum, transpose=False):
        super().__init__()
        self.conv = (BinaryConvTranspose2d(cin, cout, 2, stride=2) if transpose
                     else BinaryConv2d(cin, cout, 3, padding=1))
        self.sd = ScaleDropout(cout, p, scale_init) if sd else None
        self.bn = nn.BatchNorm2d(cout, momentum=bn_momentum)
        self.act = SignActivation("BipolarQuant")

    def forward(self, x):
        h = self.conv(x)
        if self.sd is not None:
            h = self.sd(h)
        return self.act(self.bn(h))


class BinUNet(nn.Module):
    """The U-Net of _ARCH; forward returns the foreground logit [N,1,64,64] (the export appends Sigmoid)."""

    def __init__(self, kind, p, scale_init, bn_momentum, width=16):
        super().__init__()
        self.kind = kind
        c = width
        sd = kind == "sd"
        args = (p, scale_init, bn_momentum)
        self.stem = nn.Conv2d(1, c, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(c, momentum=bn_momentum)
        self.stem_act = SignActivation("BipolarQuant")
        self.enc1 = Block(c, c, sd, *args)
        self.enc2 = Block(c, 2 * c, sd, *args)
        self.mid = Block(2 * c, 4 * c, sd, *args)
        self.up2 = Block(4 * c, 2 * c, sd, *args, transpose=True)
        self.dec2 = Block(4 * c, 2 * c, sd, *args)
        self.up1 = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec1 = Block(3 * c, c, sd, *args)
        self.head = nn.Conv2d(c, 1, 1)
        self.drop = None

    @property
    def sd(self):
        """The ScaleDropout layers in forward order, which is the order of their nodes in the exported graph."""
        if self.kind != "sd":
            return None
        return [b.sd for b in (self.enc1, self.enc2, self.mid, self.up2, self.dec2, self.dec1)]

    def forward(self, x):
        h = self.stem_act(self.stem_bn(self.stem(x)))
        s1 = self.enc1(h)
        s2 = self.enc2(F.max_pool2d(s1, 2))
        m = self.mid(F.max_pool2d(s2, 2))
        d2 = self.dec2(torch.cat([self.up2(m), s2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), s1], 1))
        return self.head(d1)


class WithSigmoid(nn.Module):
    """What is exported: the U-Net with its probability output, so the graph ends in Sigmoid (C = 1)."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, x):
        return torch.sigmoid(self.unet(x))


def build(name, cfg):
    kind = name[len("unet-"):]
    return BinUNet(kind, cfg["p"], cfg["scale_init"], cfg["bn_momentum"], cfg["width"])


# ===========================================================================
# Data
# ===========================================================================

def load_data(datasets_dir, n_train, log):
    """train: n_train generated images, cached in <datasets>/nuclei (regenerated from the seed when missing);
    test and shifted: the committed splits."""
    cache = os.path.join(datasets_dir, "nuclei")
    ti, tm = gen_nuclei.paths(cache, "train", n_train)
    if not (os.path.exists(ti) and os.path.exists(tm)):
        log("generating %d training images to %s" % (n_train, cache))
        gen_nuclei.write(cache, "train", n_train)
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "testdata", "nuclei")
    data = {"train_x": np.load(ti), "train_y": np.load(tm)}
    for split in ("test", "shifted"):
        pi, pm = gen_nuclei.paths(here, split, gen_nuclei.COMMITTED[split])
        data[split + "_x"], data[split + "_y"] = np.load(pi), np.load(pm)
    return data


def to_float(u8):
    return torch.from_numpy(u8.astype(np.float32) / 255.0)


# ===========================================================================
# Training
# ===========================================================================

def train(model, data, cfg, log):
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    x_all = to_float(data["train_x"])
    y_all = torch.from_numpy(data["train_y"].astype(np.float32)).unsqueeze(1)
    n, bs = x_all.shape[0], cfg["batch"]
    steps = (n + bs - 1) // bs
    total = steps * cfg["epochs"]
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, total) / total)))
    for ep in range(cfg["epochs"]):
        model.train()
        t0 = time.time()
        perm = torch.randperm(n, generator=gen)
        tot = 0.0
        for b in range(steps):
            idx = perm[b * bs:(b + 1) * bs]
            loss = F.binary_cross_entropy_with_logits(model(x_all[idx]), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            clip_weights(model)
            tot += loss.item() * len(idx)
        model.eval()
        p = det_probs(model, data["test_x"])
        log("epoch %d/%d loss %.4f test foreground Dice (deterministic) %.4f (%.0fs)"
            % (ep + 1, cfg["epochs"], tot / n, dice(p > 0.5, data["test_y"] == 1), time.time() - t0))
    model.eval()


# ===========================================================================
# Measurements
# ===========================================================================

def det_probs(model, x_u8, bs=50):
    model.eval()
    with torch.no_grad():
        return torch.cat([torch.sigmoid(model(to_float(x_u8[i:i + bs]))) for i in range(0, len(x_u8), bs)]
                         )[:, 0].numpy().astype(np.float64)


def binary_entropy(p):
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return -(q * np.log(q) + (1 - q) * np.log(1 - q))


def mc_stats(model, x_u8, tr, T=MC_T, seed=MC_SEED, bs=50):
    """Mean foreground probability over T passes and the mean of the passes' entropies, per pixel.
    Bits: one generator, one Bernoulli(p) bit per ScaleDropout layer per pass per example (tr.set_mc)."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    means, exp_h = [], []
    with torch.no_grad():
        for i in range(0, len(x_u8), bs):
            xb = to_float(x_u8[i:i + bs])
            s = np.zeros((xb.shape[0],) + xb.shape[2:])
            h = np.zeros_like(s)
            for _ in range(T):
                tr.set_mc(model, xb.shape[0], gen)
                p = torch.sigmoid(model(xb))[:, 0].numpy().astype(np.float64)
                s += p
                h += binary_entropy(p)
            means.append(s / T)
            exp_h.append(h / T)
    tr.clear_mc(model)
    return np.concatenate(means), np.concatenate(exp_h)


def dice(pred, truth):
    inter = np.logical_and(pred, truth).sum()
    return float(2.0 * inter / (pred.sum() + truth.sum()))


def fast_auroc(neg, pos):
    """AUROC of 'pos' vs 'neg' by the rank-sum statistic, ties given their average rank (the same statistic as
    train_reference.auroc, vectorised for millions of pixels)."""
    s = np.concatenate([neg, pos])
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    avg_rank = ends - (counts - 1) / 2.0
    r_pos = avg_rank[inv[len(neg):]].sum()
    n_pos, n_neg = len(pos), len(neg)
    return float((r_pos - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def seg_metrics(prob, truth, scores):
    """Pixel metrics of the foreground probability map against the masks, pooled over all pixels of the split.
    scores: name -> per-pixel uncertainty; each gets the AUROC of detecting the wrongly classified pixels."""
    pred = prob > 0.5
    fg = truth == 1
    wrong = (pred != fg).reshape(-1)
    d_fg, d_bg = dice(pred, fg), dice(~pred, ~fg)
    iou_fg = float(np.logical_and(pred, fg).sum() / np.logical_or(pred, fg).sum())
    iou_bg = float(np.logical_and(~pred, ~fg).sum() / np.logical_or(~pred, ~fg).sum())
    per_image = [dice(pred[i], fg[i]) for i in range(len(fg)) if pred[i].sum() + fg[i].sum() > 0]
    conf = np.where(pred, prob, 1 - prob).reshape(-1)
    bins = np.minimum((conf * 10).astype(int), 9)
    ece = sum(abs((~wrong[bins == b]).mean() - conf[bins == b].mean()) * (bins == b).mean()
              for b in range(10) if (bins == b).any())
    out = {"pixel_accuracy": round(float(1 - wrong.mean()), 4),
           "dice": {"background": round(d_bg, 4), "nucleus": round(d_fg, 4), "mean": round((d_bg + d_fg) / 2, 4)},
           "iou": {"background": round(iou_bg, 4), "nucleus": round(iou_fg, 4),
                   "mean": round((iou_bg + iou_fg) / 2, 4)},
           "nucleus_dice_mean_per_image": round(float(np.mean(per_image)), 4),
           "pixel_ece_10_bins": round(float(ece), 4),
           "wrong_pixels": int(wrong.sum()), "pixels": int(wrong.size)}
    out["wrong_pixel_auroc"] = {k: round(fast_auroc(v.reshape(-1)[~wrong], v.reshape(-1)[wrong]), 4)
                                for k, v in scores.items()}
    return out


def measure(model, name, data, tr):
    res = {}
    stochastic = KIND[name] != "deterministic"
    img_scores = {}
    for split in ("test", "shifted"):
        x, y = data[split + "_x"], data[split + "_y"]
        pd = det_probs(model, x)
        hd = binary_entropy(pd)
        r = {"deterministic": seg_metrics(pd, y, {"entropy": hd})}
        img_scores.setdefault("deterministic_entropy", []).append(hd.mean(axis=(1, 2)))
        if stochastic:
            pm, eh = mc_stats(model, x, tr)
            h = binary_entropy(pm)
            r["mc_t%d" % MC_T] = seg_metrics(pm, y, {"predictive_entropy": h, "mutual_information": h - eh})
            img_scores.setdefault("mc_predictive_entropy", []).append(h.mean(axis=(1, 2)))
            img_scores.setdefault("mc_mutual_information", []).append((h - eh).mean(axis=(1, 2)))
        res[split] = r
    # image level: does the mean per-pixel uncertainty of an image tell the shifted split from the test split?
    res["shifted_vs_test_image_auroc"] = {k: round(fast_auroc(v[0], v[1]), 4) for k, v in img_scores.items()}
    return res


# ===========================================================================
# Export and its check against torch (through train_reference's numpy evaluator)
# ===========================================================================

def export(model, name, path, tr):
    model.eval()
    tr.clear_mc(model)
    # the wrapper must be in eval mode too: export() restores the training flag it finds, and a fresh module's is
    # True, which would leave the U-Net's batch norms in training mode afterwards
    bnncim.export(WithSigmoid(model).eval(), torch.zeros(2, 1, 64, 64), path, opset=13, output_name="probabilities",
                  producer_name=tr.PRODUCER, producer_version="1",
                  doc_string="bnncim reference model %s (%s), trained on the synthetic nuclei set of "
                             "scripts/gen_nuclei.py; Apache-2.0, see LICENSE.txt" % (name, KIND[name]))


def verify_export(model, name, path, data, tr, log, n=24):
    m = onnx.load(path)
    onnx.checker.check_model(m)
    g = m.graph
    assert [i.name for i in g.input] == ["input"] and [o.name for o in g.output] == ["probabilities"]
    assert [d.dim_value for d in g.input[0].type.tensor_type.shape.dim[1:]] == [1, 64, 64]
    odims = g.output[0].type.tensor_type.shape.dim
    assert odims[0].dim_param == "N" and [d.dim_value for d in odims[1:]] == [1, 64, 64]
    assert g.node[-1].op_type == "Sigmoid"
    for t in g.initializer:
        assert t.HasField("raw_data") and len(t.raw_data) > 0, t.name
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    producer = {o: nd for nd in g.node for o in nd.output}
    # every convolution reading a bipolar map must have +-1 weights; only the stem (pixels) and head are float
    bipolar_ops = ("BipolarQuant", "MaxPool", "Resize", "Concat")
    n_binary, n_float = 0, 0
    for nd in g.node:
        if nd.op_type in ("Conv", "ConvTranspose"):
            src = producer.get(nd.input[0])
            if src is not None and src.op_type in bipolar_ops and not (nd.op_type == "Conv" and
                                                                         inits[nd.input[1]].shape[2:] == (1, 1)):
                assert np.all(np.abs(inits[nd.input[1]]) == 1.0), "non-bipolar weight " + nd.input[1]
                n_binary += 1
            else:
                n_float += 1
        if nd.op_type == "Concat":
            assert all(producer[i].op_type in bipolar_ops for i in nd.input), "Concat of a non-binary map"
        if nd.op_type == "ScaleDropout":
            assert nd.domain == tr.SD_DOMAIN and len(nd.input) == 2
    assert n_binary == 6 and n_float == 2, (n_binary, n_float)
    ops = sorted(set((nd.domain or "ai.onnx") + "::" + nd.op_type for nd in g.node))
    log("%s: ops %s; %d initializers, %d bytes" % (name, ops, len(g.initializer), os.path.getsize(path)))
    n = min(n, len(data["test_x"]))
    xf = data["test_x"][:n].astype(np.float32) / 255.0
    model.eval()
    worst = 0.0
    gen = torch.Generator().manual_seed(7)
    for trial in range(4 if KIND[name] != "deterministic" else 1):
        if trial == 0:
            tr.clear_mc(model)
            z_bits = None
        else:
            tr.set_mc(model, n, gen)
            z_bits = [sd.z.numpy() for sd in model.sd]
        with torch.no_grad():
            t_out = torch.sigmoid(model(torch.from_numpy(xf))).numpy().astype(np.float64)
        n_out = tr.run_numpy(m, xf, z_bits)
        diff = float(np.abs(t_out - n_out).max())
        same = bool(((t_out > 0.5) == (n_out > 0.5)).all())
        worst = max(worst, diff)
        log("%s: onnx-vs-torch %s max|prob diff| %.2e same foreground %s"
            % (name, "deterministic" if trial == 0 else "fixed bits #%d" % trial, diff, same))
        if not (diff < 1e-4 and same):
            raise SystemExit("%s: exported graph disagrees with torch" % name)
    tr.clear_mc(model)
    return worst


# ===========================================================================
# Manifest
# ===========================================================================

DATASETS_MANIFEST = {
    "nuclei-test-300": {"images": "nuclei/test-300-images.npy", "masks": "nuclei/test-300-masks.npy",
                        "source": "scripts/gen_nuclei.py (seed 17), split 'test': synthetic fluorescence-microscopy "
                                  "nuclei; images uint8 [300,1,64,64], masks uint8 [300,64,64] (0 background, "
                                  "1 nucleus)"},
    "nuclei-shifted-300": {"images": "nuclei/shifted-300-images.npy", "masks": "nuclei/shifted-300-masks.npy",
                           "source": "scripts/gen_nuclei.py (seed 17), split 'shifted' (distribution shift: more "
                                     "noise, lower contrast, elongated irregular nuclei); uint8 [300,1,64,64], masks "
                                     "uint8 [300,64,64]"},
}


def make_entry(name, cfg, res, path, worst, train_s, threads, tr):
    mc = "mc_t%d" % MC_T
    entry = {
        "name": name,
        "file": "models/%s.onnx" % name,
        "sha256": tr.sha256(path),
        "architecture": arch(name, cfg),
        "kind": KIND[name],
        "task": "segmentation (binary: background / nucleus), output: per-pixel foreground probability",
        "dataset": "synthetic nuclei (scripts/gen_nuclei.py, seed 17): train %d generated / test 300 / shifted 300"
                   % cfg["n_train"],
        "seed": SEED,
        "p": cfg["p"],
        "scale_dropout_layers": 6 if KIND[name] == "scale-dropout" else 0,
        "epochs": cfg["epochs"],
        "hyperparameters": {"optimizer": "Adam", "lr": cfg["lr"], "schedule": "cosine to 0 per step",
                            "batch": cfg["batch"], "bn_momentum": cfg["bn_momentum"], "scale_init": cfg["scale_init"],
                            "loss": "binary cross-entropy on the foreground logit", "width": cfg["width"],
                            "threads": threads},
        "input": "float32 [N,1,64,64], pixel/255",
        "output": "probabilities float32 [N,1,64,64]: sigmoid of the foreground logit",
        "full_precision_layers": "stem Conv 3x3 1->%d (bias) and its BN; head Conv 1x1 %d->1 (bias) and Sigmoid"
                                 % (cfg["width"], cfg["width"]),
        "mc": {"T": MC_T, "seed": MC_SEED,
               "bits": "one Bernoulli(p) bit per ScaleDropout layer per pass per example"
               if KIND[name] == "scale-dropout" else "none"},
        "metrics_definition": "pooled over all pixels of a split; prediction = foreground probability > 0.5 "
                              "(MC: of the mean over T passes); dice/iou per class and their mean; wrong-pixel AUROC: "
                              "wrongly classified pixels (positive) vs the rest by per-pixel predictive entropy "
                              "(binary, natural log) or mutual information (predictive entropy minus mean entropy of "
                              "the passes), rank-sum with ties averaged; shifted_vs_test_image_auroc: per-image mean "
                              "uncertainty, shifted images positive",
        "metrics": res,
    }
    if KIND[name] == "scale-dropout":
        entry["metrics_summary"] = {"test_mc_mean_dice": res["test"][mc]["dice"]["mean"],
                                    "test_mc_nucleus_dice": res["test"][mc]["dice"]["nucleus"],
                                    "test_mc_wrong_pixel_auroc_entropy":
                                        res["test"][mc]["wrong_pixel_auroc"]["predictive_entropy"]}
    # what make-goldens and regress feed this model (the MNIST default does not fit a 64x64 input)
    entry["test_data"] = {"images": "nuclei/test-300-images.npy", "masks": "nuclei/test-300-masks.npy",
                          "ood": ["nuclei/shifted-300-images.npy"]}
    entry["onnx_vs_torch_max_abs_diff"] = float("%.3g" % worst)
    entry["training_seconds"] = int(round(train_s))
    entry["training_command"] = "scripts/train-reference --model %s" % name
    entry["license"] = "models/LICENSE.txt"
    return entry


def quality_bars(by, bar):
    """The bars of issue #17 on the test split, recorded with the same figures for unet-det and the shifted split."""
    mc = "mc_t%d" % MC_T
    if "unet-sd" in by:
        r = by["unet-sd"]["metrics"]
        d, a = r["test"][mc]["dice"]["mean"], r["test"][mc]["wrong_pixel_auroc"]["predictive_entropy"]
        bar("unet-sd MC mean Dice (nuclei test)", d, 0.90, d >= 0.90)
        dn = r["test"][mc]["dice"]["nucleus"]
        bar("unet-sd MC nucleus Dice (nuclei test)", dn, 0.90, dn >= 0.90)
        bar("unet-sd MC entropy wrong-pixel AUROC (nuclei test)", a, 0.85, a >= 0.85)
        s = r["shifted"][mc]
        bar("unet-sd MC mean Dice (nuclei shifted, recorded)", s["dice"]["mean"], None, True)
        bar("unet-sd MC entropy wrong-pixel AUROC (nuclei shifted, recorded)",
            s["wrong_pixel_auroc"]["predictive_entropy"], None, True)
    if "unet-det" in by:
        r = by["unet-det"]["metrics"]
        for split in ("test", "shifted"):
            s = r[split]["deterministic"]
            bar("unet-det mean Dice (nuclei %s, recorded)" % split, s["dice"]["mean"], None, True)
            bar("unet-det sigmoid entropy wrong-pixel AUROC (nuclei %s, recorded)" % split,
                s["wrong_pixel_auroc"]["entropy"], None, True)


def run_model(name, cfg, args, tr, log):
    """Train (or reuse the checkpoint), measure, export, check; returns the manifest entry."""
    torch.manual_seed(SEED)
    model = build(name, cfg)
    data = load_data(tr.datasets_dir(), cfg["n_train"], log)
    ckpt = os.path.join(tr.datasets_dir(), "checkpoints", "%s-%s.pt" % (name, tr.cfg_tag(cfg)))
    if args.reuse_checkpoint and os.path.exists(ckpt):
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        train_s = state["train_s"]
        log("%s: reused %s" % (name, ckpt))
    else:
        t0 = time.time()
        train(model, data, cfg, log)
        train_s = time.time() - t0
        os.makedirs(os.path.dirname(ckpt), exist_ok=True)
        torch.save({"model": model.state_dict(), "train_s": train_s}, ckpt)
    model.eval()
    log("%s: trained in %.0f s" % (name, train_s))
    res = measure(model, name, data, tr)
    log("%s: %s" % (name, json.dumps(res)))
    path = os.path.join(args.out, name + ".onnx")
    export(model, name, path, tr)
    worst = verify_export(model, name, path, data, tr, log)
    return make_entry(name, cfg, res, path, worst, train_s, args.threads, tr), res
