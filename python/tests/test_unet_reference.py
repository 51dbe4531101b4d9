"""The nuclei generator (scripts/gen_nuclei.py) and the U-Net pipeline of scripts/unet_reference.py on a few
generated images: training, pixel measurements, export with Resize/Concat/ConvTranspose/Sigmoid, the numpy
evaluator against torch, and byte-identical files from the same seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F

from conftest import REPO, load_train_reference


@pytest.fixture(scope="module")
def tr() -> Any:
    return load_train_reference()


def test_generator_is_seeded_per_image_and_matches_the_committed_splits(tr: Any) -> None:
    import gen_nuclei as g

    a_img, a_mask = g.generate("test", 5)
    b_img, b_mask = g.generate("test", 3)
    assert a_img.shape == (5, 1, 64, 64) and a_mask.shape == (5, 64, 64)
    assert a_img.dtype == a_mask.dtype == np.uint8 and set(np.unique(a_mask)) <= {0, 1}
    assert np.array_equal(a_img[:3], b_img) and np.array_equal(a_mask[:3], b_mask), "image i does not depend on n"
    assert not np.array_equal(g.generate("shifted", 1)[0], a_img[:1])
    for split, n in g.COMMITTED.items():
        pi, pm = g.paths(str(REPO / "testdata" / "nuclei"), split, n)
        img, mask = g.generate(split, n)
        assert np.array_equal(np.load(pi), img) and np.array_equal(np.load(pm), mask), split


def small_data() -> Dict[str, Any]:
    import gen_nuclei as g

    data: Dict[str, Any] = {}
    for split, n in (("train", 24), ("test", 8), ("shifted", 8)):
        data[split + "_x"], data[split + "_y"] = g.generate(split, n)
    return data


def test_fast_auroc_is_the_rank_sum_auroc_with_ties(tr: Any) -> None:
    import unet_reference as u

    rs = np.random.RandomState(0)
    neg, pos = rs.randint(0, 5, 300).astype(float), rs.randint(1, 7, 200).astype(float)
    assert u.fast_auroc(neg, pos) == pytest.approx(tr.auroc(neg, pos), abs=1e-12)


@pytest.mark.parametrize("k,s,p,op", [(2, 2, 0, 0), (3, 2, 1, 1), (3, 2, 0, 0)])
def test_numpy_evaluator_conv_transpose_is_torchs(tr: Any, k: int, s: int, p: int, op: int) -> None:
    rs = np.random.RandomState(1)
    x, w = rs.randn(2, 3, 5, 6), rs.randn(3, 4, k, k)
    want = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), None, s, p, op).numpy()
    got = tr.np_conv_transpose(x, w, [p, p, p, p], (s, s), (op, op))
    assert got.shape == want.shape and np.abs(got - want).max() < 1e-12


@pytest.mark.parametrize("name", ["unet-sd", "unet-det"])
def test_unet_trains_measures_exports_and_checks(tmp_path: Path, tr: Any, name: str) -> None:
    import unet_reference as u

    torch.set_num_threads(1)
    data = small_data()
    cfg = dict(u.DEFAULTS[name], epochs=1, width=4, batch=8)
    logs: list = []
    files = []
    for run in range(2):
        torch.manual_seed(u.SEED)
        model = u.build(name, cfg)
        u.train(model, data, cfg, logs.append)
        files.append(tmp_path / ("run%d.onnx" % run))
        u.export(model, name, str(files[-1]), tr)
    assert files[0].read_bytes() == files[1].read_bytes(), "same seed, same bytes"
    res = u.measure(model, name, data, tr)
    mc = name == "unet-sd"
    assert set(res["test"]) == ({"deterministic", "mc_t20"} if mc else {"deterministic"})
    r = res["test"]["mc_t20" if mc else "deterministic"]
    assert 0 <= r["dice"]["mean"] <= 1 and r["pixels"] == 8 * 64 * 64
    assert set(r["wrong_pixel_auroc"]) == ({"predictive_entropy", "mutual_information"} if mc else {"entropy"})
    assert u.verify_export(model, name, str(files[0]), data, tr, logs.append) < 1e-4
    ops = [n.op_type for n in onnx.load(str(files[0])).graph.node]
    assert ops.count("ConvTranspose") == 1 and ops.count("Resize") == 1 and ops.count("Concat") == 2
    assert ops.count("ScaleDropout") == (6 if mc else 0) and ops[-1] == "Sigmoid"
