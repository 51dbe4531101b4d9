"""scripts/train_reference.py, built on the package, still makes the committed reference models.

The datasets are not needed: the committed files are rebuilt through the script's own model
classes and export path from their initializers, the script's model classes must draw their
initial weights from torch's RNG exactly as the script did before it used the package, and the
script's training, measurements, export and numpy check run end to end on a few random digits.
"""

from __future__ import annotations

import hashlib
import os
import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any, Dict

import numpy as np
import onnx
import pytest
import torch

from conftest import REPO, committed_reference, load_train_reference

MODELS = ["mlp-sd", "cnn-sd", "mlp-mcd", "mlp-det"]


@pytest.fixture(scope="module")
def tr() -> ModuleType:
    return load_train_reference()


@pytest.mark.parametrize("name", MODELS)
def test_script_regenerates_the_committed_models_byte_for_byte(tmp_path: Path, tr: Any, name: str) -> None:
    """The script's model class with the committed file's initializers, written by the script's export():
    the same bytes as testdata/models/NAME.onnx."""
    ref = committed_reference(name)
    model = tr.build(name, dict(tr.DEFAULTS[name], p=ref.p))
    ref.load_into(model)
    tr.export(model, name, str(tmp_path / "again.onnx"))
    assert (tmp_path / "again.onnx").read_bytes() == ref.path.read_bytes()


def init_fingerprint(model: torch.nn.Module) -> str:
    """sha256 of the state_dict (names, shapes, dtypes, bytes, in order) and of torch's RNG state afterwards."""
    h = hashlib.sha256()
    for k, v in model.state_dict().items():
        h.update(("%s %s %s\n" % (k, tuple(v.shape), v.dtype)).encode())
        h.update(v.contiguous().numpy().tobytes())
    h.update(torch.get_rng_state().numpy().tobytes())
    return h.hexdigest()


# Computed with the script as it was before it used the package (commit OLD_SCRIPT below, its own
# BinWeight/ScaleDropout/NeuronDropout/BinAct): torch.manual_seed(0); build(name, DEFAULTS[name]).
INIT_FINGERPRINTS = {
    "mlp-sd": "cfefd92397ab338f8edabd529c0f6d9e0b4bf79f4e3f3abf3ed27d6ac660523e",
    "cnn-sd": "b544856501e180749755ff7f8361773070843859e3df768a90c6c63fd7a60ad2",
    "mlp-mcd": "44cb00413c77bec1360bb5abf10044297c756cc54d10eed728f821a65bb1c965",
    "mlp-det": "0794d850fef25e0e05b8970905455ec10f2dd26ec4b8af4d7057f1e786040bbb",
}
OLD_SCRIPT = "dd4c700e024ad3a58f397c20ea15180b8588e7e2"


@pytest.mark.parametrize("name", MODELS)
def test_model_classes_draw_the_same_initial_weights(tr: Any, name: str) -> None:
    """Same parameters and buffers, same shapes and order, same values from the same seed, and the RNG left
    in the same state: training from SEED starts where it always did."""
    torch.manual_seed(tr.SEED)
    assert init_fingerprint(tr.build(name, tr.DEFAULTS[name])) == INIT_FINGERPRINTS[name]


def test_same_initial_state_as_the_script_before_the_package(tmp_path: Path, tr: Any) -> None:
    """The same check against the old script itself, read from git history (skipped without it)."""
    try:
        text = subprocess.run(["git", "-C", str(REPO), "show", OLD_SCRIPT + ":scripts/train_reference.py"],
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git history with commit %s is not available" % OLD_SCRIPT[:7])
    (tmp_path / "old_train_reference.py").write_bytes(text)
    spec = importlib.util.spec_from_file_location("old_train_reference", tmp_path / "old_train_reference.py")
    assert spec is not None and spec.loader is not None
    old: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    assert not hasattr(tr, "BinWeight") and hasattr(old, "BinWeight"), "the old script has its own layers"
    for name in MODELS:
        torch.manual_seed(0)
        a = old.build(name, old.DEFAULTS[name]).state_dict()
        rng_a = torch.get_rng_state()
        torch.manual_seed(0)
        b = tr.build(name, tr.DEFAULTS[name]).state_dict()
        assert list(a) == list(b), name
        assert all(a[k].shape == b[k].shape and torch.equal(a[k], b[k]) for k in a), name
        assert torch.equal(rng_a, torch.get_rng_state()), name


def random_digits(seed: int = 1) -> Dict[str, Any]:
    rs = np.random.RandomState(seed)

    def digits(n: int) -> np.ndarray:
        return rs.randint(0, 256, (n, 1, 28, 28)).astype(np.uint8)

    data: Dict[str, Any] = {"train_x": digits(256), "train_y": rs.randint(0, 10, 256).astype(np.uint8),
                            "test_x": digits(100), "test_y": rs.randint(0, 10, 100).astype(np.uint8)}
    data["ood"] = {"noise": digits(50), "inverted": (255 - data["test_x"][:50]).astype(np.uint8)}
    return data


@pytest.mark.parametrize("name", MODELS)
def test_script_trains_measures_exports_and_checks_on_random_digits(tmp_path: Path, tr: Any, name: str) -> None:
    """One short epoch of the script's training, its measurements, export and independent numpy check of the
    exported graph against the torch model (deterministic and with fixed Monte-Carlo bits)."""
    data = random_digits()
    cfg = dict(tr.DEFAULTS[name], epochs=1)
    torch.manual_seed(tr.SEED)
    model = tr.build(name, cfg)
    tr.EVAL["eval_batch"] = cfg.get("eval_batch", 1000)
    tr.EVAL["mc_by_combination"] = cfg.get("mc_by_combination", False)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tr.train(model, data, cfg, 1)
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    res = tr.measure(model, name, data)
    assert set(res["ood_auroc"]) == {"noise", "inverted"}
    assert ("mc_t%d" % tr.MC_T in res["accuracy"]) == (name != "mlp-det")
    path = str(tmp_path / (name + ".onnx"))
    tr.export(model, name, path)
    assert tr.verify_export(model, name, path, data) < 1e-3
    assert set(model.state_dict()) == set(before), "export leaves the model's state as it was"


def test_tfc_w1a2_trains_measures_exports_and_checks_on_random_digits(tmp_path: Path, tr: Any) -> None:
    """The k-bit model (2-bit QuantActivation between binary layers) through the same pipeline: its exported graph
    has one qonnx Quant per hidden layer and agrees with torch in the script's own numpy evaluator."""
    data = random_digits()
    name = "tfc-w1a2"
    cfg = dict(tr.DEFAULTS[name], epochs=1)
    torch.manual_seed(tr.SEED)
    model = tr.build(name, cfg)
    tr.train(model, data, cfg, 1)
    res = tr.measure(model, name, data)
    assert set(res["accuracy"]) == {"deterministic"}
    path = str(tmp_path / (name + ".onnx"))
    tr.export(model, name, path)
    assert tr.verify_export(model, name, path, data) < 1e-3
    proto = onnx.load(path)
    quants = [n for n in proto.graph.node if n.op_type == "Quant"]
    assert len(quants) == 3 and all(n.domain == "qonnx.custom_op.general" for n in quants)
    assert [n.op_type for n in proto.graph.node].count("MatMul") == 4


def test_script_regenerates_the_committed_tfc_w1a2_byte_for_byte(tmp_path: Path, tr: Any) -> None:
    """As for the four models above: BinaryLinear keeps its latent weight as [out, in], the file has the {-1,+1}
    weight as [in, out]; the three activations' equal scale, zero point and bitwidth are one initializer each."""
    ref = committed_reference("tfc-w1a2")
    model = tr.build("tfc-w1a2", tr.DEFAULTS["tfc-w1a2"])
    state = {(k.replace(".latent", ".weight")): (v.t().contiguous() if k.endswith(".latent") else v)
             for k, v in ref.state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(k.endswith("num_batches_tracked") or k.startswith(("act.1.", "act.2.")) for k in missing), missing
    tr.export(model, "tfc-w1a2", str(tmp_path / "again.onnx"))
    assert (tmp_path / "again.onnx").read_bytes() == ref.path.read_bytes()


@pytest.mark.parametrize("name", ["resnet-sd", "resnet-det", "resnet-mcd"])
def test_resnets_train_measure_export_and_check_on_random_images(tmp_path: Path, tr: Any, name: str) -> None:
    """The Fashion-MNIST ResNets through the script's pipeline on random images: one epoch, the measurements (MC
    entropy and mutual information for all three), the export (binary 3x3 convs with {-1,+1} initializers, the
    stem, shortcut and classifier in full precision) and the numpy evaluator against torch within 1e-4."""
    torch.set_num_threads(1)
    data = random_digits()
    data["ood"] = {"mnist": data["ood"]["inverted"], "noise": data["ood"]["noise"]}
    # width 16 keeps it quick; examples whose residual sum lands within float32 rounding of 0 (where torch and the
    # numpy evaluator, summing in another order, may binarize it differently) are excluded by verify_export
    cfg = dict(tr.DEFAULTS[name], epochs=1, width=16)
    torch.manual_seed(tr.SEED)
    model = tr.build(name, cfg)
    tr.EVAL.update(eval_batch=cfg["eval_batch"], mc_by_combination=cfg.get("mc_by_combination", False),
                   ood_n=cfg["ood_n"], mi_for_det=True)
    try:
        tr.train(model, data, cfg, 1)
        res = tr.measure(model, name, data)
    finally:
        tr.EVAL.update(eval_batch=1000, mc_by_combination=False, ood_n=None, mi_for_det=False)
    assert set(res["ood_auroc"]) == set(res["ood_auroc_mutual_information"]) == {"mnist", "noise"}
    if name == "resnet-det":
        assert res["ood_auroc_mutual_information"] == {"mnist": 0.5, "noise": 0.5}
    path = str(tmp_path / (name + ".onnx"))
    tr.export(model, name, path)
    assert tr.verify_export(model, name, path, data) < 1e-4
    proto = onnx.load(path)
    ops = [n.op_type for n in proto.graph.node]
    # BipolarQuant binarizers (sign(0) = +1, as the chip), not ONNX Sign (sign(0) = 0); Adds: 4 shortcut sums and
    # the 4 learnt thresholds before the binarizers (the recipe's rsign)
    assert ops.count("Add") == 8 and ops.count("PRelu") == 4 and ops.count("BipolarQuant") == 4
    assert "Sign" not in ops
    assert ops.count("GlobalAveragePool") == 1 and ops.count("Gemm") == 1 and ops.count("AveragePool") == 1
    assert ops.count("ScaleDropout") == (4 if name == "resnet-sd" else 0)
    assert ops.count("Dropout") == (4 if name == "resnet-mcd" else 0)
    assert "Unsqueeze" not in ops and "Pad" not in ops


def test_resnet_sd_training_is_deterministic(tmp_path: Path, tr: Any) -> None:
    """Same seed, same data, same thread count: two trainings of resnet-sd write byte-identical ONNX files."""
    torch.set_num_threads(1)
    data = random_digits(seed=3)
    cfg = dict(tr.DEFAULTS["resnet-sd"], epochs=1)
    files = []
    for k in range(2):
        torch.manual_seed(tr.SEED)
        model = tr.build("resnet-sd", cfg)
        tr.train(model, data, cfg, 1)
        files.append(tmp_path / ("run%d.onnx" % k))
        tr.export(model, "resnet-sd", str(files[-1]))
    assert files[0].read_bytes() == files[1].read_bytes()


def test_training_stopped_between_epochs_resumes_to_the_same_bytes(tmp_path: Path, tr: Any) -> None:
    """A run killed after epoch 1 of 2 and started again from its per-epoch state ends in the same ONNX bytes as an
    uninterrupted 2-epoch run: the long ResNet trainings survive a stop (scripts/train-reference resumes them)."""
    torch.set_num_threads(1)
    data = random_digits(seed=5)
    cfg = dict(tr.DEFAULTS["resnet-sd"], epochs=2, width=8)

    def fresh() -> Any:
        torch.manual_seed(tr.SEED)
        return tr.build("resnet-sd", cfg)

    whole = fresh()
    tr.train(whole, data, cfg, 2)
    tr.export(whole, "resnet-sd", str(tmp_path / "whole.onnx"))

    partial = str(tmp_path / "state.partial")
    first = fresh()
    tr.train(first, data, dict(cfg), 2, partial=partial, stop_after=1)  # as if killed after epoch 1
    assert os.path.exists(partial)
    resumed = fresh()  # a new process: fresh model and random state, all restored from the file
    torch.manual_seed(1234)
    tr.train(resumed, data, cfg, 2, partial=partial)
    tr.export(resumed, "resnet-sd", str(tmp_path / "resumed.onnx"))
    assert (tmp_path / "whole.onnx").read_bytes() == (tmp_path / "resumed.onnx").read_bytes()


def test_near_ties_flags_only_examples_with_a_binarizer_input_within_rounding_of_zero(tr: Any) -> None:
    """verify_export's exclusion rule: |x| <= 1e-5 of the tensor's largest magnitude."""
    v = np.array([[[3.0, -2.0]], [[1e-6, 5.0]], [[-4e-4, 1.0]], [[0.0, -1.0]]])
    assert tr.near_ties(v).tolist() == [False, True, False, True]


def test_warm_restarts_train_only_the_stages_not_checkpointed(tmp_path: Path, tr: Any, monkeypatch: Any) -> None:
    """Each stage (first cycle, restart, restart2) is checkpointed under the tag of the configuration without the
    later restarts, so adding restart2 to a finished two-stage run trains one more stage and nothing else."""
    monkeypatch.setenv("BNNCIM_DATASETS", str(tmp_path))
    torch.set_num_threads(1)
    data = random_digits(seed=9)
    base = {k: v for k, v in tr.DEFAULTS["resnet-sd"].items() if k not in tr.RESTARTS}
    two = dict(base, epochs=1, width=8, restart=dict(epochs=1, lr=1e-3))
    three = dict(two, restart2=dict(epochs=1, lr=5e-4))
    calls = []
    real = tr.train

    def counting(model: Any, data: Any, cfg: Any, epochs: int, **kw: Any) -> float:
        calls.append((cfg["lr"], epochs, kw.get("seed", tr.SEED)))
        return real(model, data, cfg, epochs, **kw)

    monkeypatch.setattr(tr, "train", counting)
    torch.manual_seed(tr.SEED)
    tr.train_stages("resnet-sd", tr.build("resnet-sd", two), data, two, reuse=False)
    assert calls == [(base["lr"], 1, tr.SEED), (1e-3, 1, tr.SEED + 1)]
    first = {k: v for k, v in two.items() if k != "restart"}
    assert os.path.exists(tr.checkpoint("resnet-sd", first)) and os.path.exists(tr.checkpoint("resnet-sd", two))
    calls.clear()
    torch.manual_seed(tr.SEED)
    tr.train_stages("resnet-sd", tr.build("resnet-sd", three), data, three, reuse=True)
    assert calls == [(5e-4, 1, tr.SEED + 2)]
    assert os.path.exists(tr.checkpoint("resnet-sd", three))
    assert not any(f.endswith(".partial") for f in os.listdir(tmp_path / "checkpoints"))
