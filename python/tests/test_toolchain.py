"""Models built with the package go through the Java CLI: verify, compile, run, eval, errors."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import bnncim
from bnncim.toolchain import options_to_args, parse_table
from conftest import REPO, cnn, mlp, random_data, train


@pytest.fixture(scope="module")
def trained_mlp() -> nn.Module:
    torch.manual_seed(0)
    return train(mlp())


@pytest.fixture(scope="module")
def mlp_onnx(trained_mlp: nn.Module, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mlp") / "mlp.onnx"
    bnncim.export(trained_mlp, torch.zeros(2, 1, 8, 8), path)
    return path


def test_options_map_snake_case_to_kebab_case() -> None:
    assert options_to_args({"crossbar": "128x128", "weight_encoding": "single", "mc_dropout": True,
                            "layers": False, "seed": None, "print_after": ["tile", "pack-place"],
                            "arch": Path("a.json"), "samples": 4}) == [
        "--crossbar", "128x128", "--weight-encoding", "single", "--mc-dropout",
        "--print-after", "tile,pack-place", "--arch", "a.json", "--samples", "4"]


def test_parse_table() -> None:
    t = parse_table("model      m.onnx\naccuracy   0.9500\nentropy    0.4888 (mean predictive)\n")
    assert t == {"model": "m.onnx", "accuracy": 0.95, "entropy": 0.4888, "entropy_text": "0.4888 (mean predictive)"}


def test_verify_mlp(mlp_onnx: Path) -> None:
    res = bnncim.verify(mlp_onnx, limit=16, samples=4)
    assert res["examples"] == 16 and res["mc_passes"] == 4 and res["max_abs_diff"] <= 1e-5


def test_verify_cnn(tmp_path: Path) -> None:
    path = tmp_path / "cnn.onnx"
    bnncim.export(train(cnn()), torch.zeros(2, 1, 8, 8), path)
    x, _ = random_data(n=16, seed=9)
    res = bnncim.verify(path, inputs=(x.numpy() * 255).round().astype(np.uint8), samples=4, layers=True)
    assert res["examples"] == 16 and res["max_abs_diff"] <= 1e-5


def test_compile_returns_the_report_of_the_cli(mlp_onnx: Path, tmp_path: Path) -> None:
    report = bnncim.compile(mlp_onnx, tmp_path / "py", crossbar="64x64", weight_encoding="single")
    subprocess.run([str(REPO / "scripts" / "bnncim"), "compile", str(mlp_onnx), "-o", str(tmp_path / "cli"),
                    "--crossbar", "64x64", "--weight-encoding", "single"], check=True, capture_output=True)
    by_hand = json.loads((tmp_path / "cli" / "report.json").read_text())
    assert report == by_hand
    assert report["stochastic_units"] == 1 and report["crossbar"] is not None


def test_mc_dropout_model_compiles_with_one_unit_per_neuron(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Flatten(), bnncim.BinaryLinear(64, 32), nn.BatchNorm1d(32), bnncim.SignActivation(),
                          bnncim.MCDropout(0.2), bnncim.BinaryLinear(32, 10), nn.BatchNorm1d(10))
    path = tmp_path / "mcd.onnx"
    bnncim.export(train(model), torch.zeros(2, 1, 8, 8), path)
    report = bnncim.compile(path, tmp_path / "out", mc_dropout=True)
    assert report["stochastic_units"] == 32


def test_run_returns_arrays(mlp_onnx: Path, tmp_path: Path) -> None:
    x, _ = random_data(n=6, seed=3)
    logits = bnncim.run(mlp_onnx, x.numpy())
    assert isinstance(logits, np.ndarray) and logits.shape == (6, 10) and logits.dtype == np.float32
    bnncim.compile(mlp_onnx, tmp_path / "out")
    mean, samples = bnncim.run(tmp_path / "out", x.numpy(), samples=5, seed=1, return_samples=True)
    assert mean.shape == (6, 10) and samples.shape == (6, 5, 10)
    assert np.allclose(mean.sum(1), 1.0, atol=1e-5)


def test_run_agrees_with_torch_deterministically(trained_mlp: nn.Module, mlp_onnx: Path) -> None:
    """The chip reads pixels as round(x*255): inputs on that grid give torch's logits (the expectation)."""
    x, _ = random_data(n=32, seed=4)
    with torch.no_grad():
        expected = trained_mlp(x).numpy()
    got = bnncim.run(mlp_onnx, x.numpy())
    assert np.allclose(got, expected, atol=1e-4)


def test_evaluate_returns_metrics(mlp_onnx: Path) -> None:
    x, y = random_data(n=40, seed=5)
    res = bnncim.evaluate(mlp_onnx, (x.numpy(), y.numpy()), samples=4, ood=x.numpy()[:10])
    assert 0.0 <= res["accuracy"] <= 1.0 and res["mode"].startswith("Monte-Carlo, T=4")
    assert 0.0 <= res["ood_auroc"] <= 1.0 and "mutual_inf" in res


def test_bad_option_raises_with_the_cli_message(mlp_onnx: Path, tmp_path: Path) -> None:
    with pytest.raises(bnncim.BnncimError) as err:
        bnncim.compile(mlp_onnx, tmp_path / "o", no_such_option=3)
    assert err.value.exit_code == 2
    assert err.value.message.startswith("bnncim: Unknown option") and "--no-such-option" in err.value.message
    assert "\n" not in err.value.message


def test_bad_model_raises_with_the_cli_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(bnncim.BnncimError) as err:
        bnncim.compile(bad, tmp_path / "o")
    assert err.value.exit_code == 2 and "bad.onnx" in err.value.message


class Residual(nn.Module):
    """Two binary blocks whose outputs are added (a ResNet-style skip)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Sequential(nn.Flatten(), bnncim.BinaryLinear(64, 32), bnncim.ScaleDropout(32, 0.2, 2.0),
                               nn.BatchNorm1d(32), bnncim.SignActivation())
        self.b = nn.Sequential(bnncim.BinaryLinear(32, 32), nn.BatchNorm1d(32), bnncim.SignActivation())
        self.head = nn.Sequential(nn.BatchNorm1d(32), bnncim.SignActivation(), bnncim.BinaryLinear(32, 10),
                                  nn.BatchNorm1d(10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x)
        return self.head(h + self.b(h))


class EncoderDecoder(nn.Module):
    """Binary conv encoder, nearest-neighbour upsampling decoder, dense head."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(bnncim.BinaryConv2d(1, 8, 3, padding=1), bnncim.ScaleDropout(8, 0.2, 2.0),
                                 nn.BatchNorm2d(8), bnncim.SignActivation(), nn.MaxPool2d(2))
        self.dec = nn.Sequential(bnncim.BinaryConv2d(8, 4, 3, padding=1), nn.BatchNorm2d(4), bnncim.SignActivation())
        self.head = nn.Sequential(nn.Flatten(), bnncim.BinaryLinear(4 * 8 * 8, 10), nn.BatchNorm1d(10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(self.enc(x), scale_factor=2, mode="nearest")
        return self.head(self.dec(h))


def test_residual_model_verifies(tmp_path: Path) -> None:
    path = tmp_path / "res.onnx"
    bnncim.export(train(Residual()), torch.zeros(2, 1, 8, 8), path)
    bnncim.verify(path, limit=8, samples=2)


@pytest.mark.filterwarnings("ignore:The shape inference of prim")  # torch's own, for interpolate
def test_encoder_decoder_model_verifies(tmp_path: Path) -> None:
    path = tmp_path / "encdec.onnx"
    bnncim.export(train(EncoderDecoder()), torch.zeros(2, 1, 8, 8), path)
    bnncim.verify(path, limit=8, samples=2)


def test_resnet_sd_compiles_verifies_and_runs_like_the_graph(tmp_path: Path) -> None:
    """The committed binarized ResNet with Scale-Dropout (Fashion-MNIST, pending in the manifest): compiles, ONNX
    Runtime agrees with the simulator, and the chip's logits are the exported graph's (the script's numpy evaluator)
    on the committed Fashion-MNIST images."""
    from conftest import load_train_reference

    model = REPO / "testdata" / "models" / "resnet-sd.onnx"
    report = bnncim.compile(model, tmp_path / "out", crossbar="128x128")
    assert report["stochastic_units"] == 1
    res = bnncim.verify(model, limit=16, samples=4)
    assert res["examples"] == 16 and res["max_abs_diff"] <= 1e-5
    images = np.load(REPO / "testdata" / "ood" / "fashion-200-images.npy")[:64]
    logits = bnncim.run(tmp_path / "out", images)
    import onnx

    expected = load_train_reference().run_numpy(onnx.load(str(model)), images.astype(np.float32) / 255.0)
    assert np.abs(logits - expected).max() < 1e-4 and np.array_equal(logits.argmax(1), expected.argmax(1))


def test_uncertainty_by_hand() -> None:
    # two passes that are sure of opposite classes: the mean is uniform, all of its entropy is disagreement (MI)
    big = 50.0
    z = np.array([[[big, -big], [-big, big]]], dtype=np.float32)  # [N=1, T=2, C=2]
    u = bnncim.uncertainty(z)
    assert np.allclose(u.mean, [[0.5, 0.5]])
    assert np.allclose(u.predictive_entropy, [np.log(2)])
    assert np.allclose(u.expected_entropy, [0.0], atol=1e-12)
    assert np.allclose(u.mutual_information, [np.log(2)])
    # one pass repeated: no disagreement, MI 0; entropy of softmax([0, ln 3]) = H(1/4, 3/4)
    z = np.array([[[0.0, np.log(3.0)]] * 3], dtype=np.float64)
    u = bnncim.uncertainty(z)
    h = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    assert np.allclose(u.predictive_entropy, [h]) and np.allclose(u.expected_entropy, [h])
    assert np.allclose(u.mutual_information, [0.0], atol=1e-12)
    # per pixel: [N, T, C, H, W] gives maps [N, H, W]
    u = bnncim.uncertainty(np.zeros((2, 4, 3, 5, 6)))
    assert u.mean.shape == (2, 3, 5, 6) and u.mutual_information.shape == (2, 5, 6)
    assert np.allclose(u.predictive_entropy, np.log(3))


def test_predict_agrees_with_the_cli_printout(mlp_onnx: Path) -> None:
    """The CLI prints entropy, expected entropy and MI per example (Java's Metrics); predict computes them in numpy."""
    x, _ = random_data(n=5, seed=7)
    pred = bnncim.predict(mlp_onnx, x.numpy(), samples=6, seed=2)
    mean = bnncim.run(mlp_onnx, x.numpy(), samples=6, seed=2)
    assert np.allclose(pred.mean, mean, atol=1e-6)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "x.npy", x.numpy())
        text = bnncim.cli("run", str(mlp_onnx), "--input", str(Path(tmp) / "x.npy"), "--samples", "6",
                          "--seed", "2").stdout
    rows = [ln for ln in text.splitlines() if "entropy" in ln]
    assert len(rows) == 5
    for i, ln in enumerate(rows):
        f = ln.split()
        assert int(f[2]) == pred.predicted[i]
        assert abs(float(f[f.index("entropy") + 1]) - pred.predictive_entropy[i]) < 1e-4
        assert abs(float(f[f.index("expected_entropy") + 1]) - pred.expected_entropy[i]) < 1e-4
        assert abs(float(f[f.index("mutual_info") + 1]) - pred.mutual_information[i]) < 1e-4


def test_tfc_w1a2_compiles_verifies_and_runs_like_the_graph(tmp_path: Path) -> None:
    """The committed 2-bit-activation reference model (qonnx Quant between binary layers): compiles, ONNX Runtime
    agrees with the simulator, and the chip's logits are the exported graph's (scripts/train_reference.py's numpy
    evaluator) on committed test digits."""
    from conftest import load_train_reference

    model = REPO / "testdata" / "models" / "tfc-w1a2.onnx"
    report = bnncim.compile(model, tmp_path / "out", crossbar="128x128")
    assert report["stochastic_units"] == 0
    res = bnncim.verify(model, limit=16)
    assert res["examples"] == 16 and res["max_abs_diff"] <= 1e-5
    digits = np.load(REPO / "testdata" / "mnist" / "test-1000-images.npy")[:64]
    logits = bnncim.run(tmp_path / "out", digits)
    import onnx

    expected = load_train_reference().run_numpy(onnx.load(str(model)), digits.astype(np.float32) / 255.0)
    assert np.abs(logits - expected).max() < 1e-4 and np.array_equal(logits.argmax(1), expected.argmax(1))


class KbitCnv(nn.Module):
    """CNV-style: 8-bit input Quant, BinaryConv2d directly followed by BatchNorm2d (which torch's EVAL export would
    fuse into the conv), 2-bit signed and 3-bit unsigned FLOOR activations, max pooling on k-bit values, a
    Scale-Dropout layer, a binary classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.inq = bnncim.QuantActivation(8, signed=False, scale=1 / 255.0)
        self.c1, self.b1 = bnncim.BinaryConv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.q1 = bnncim.QuantActivation(2, scale=0.5)
        self.c2, self.b2 = bnncim.BinaryConv2d(8, 16, 3), nn.BatchNorm2d(16)
        self.sd = bnncim.ScaleDropout(16, p=0.2, init_scale=1.0)
        self.q2 = bnncim.QuantActivation(3, signed=False, scale=0.25, rounding_mode="FLOOR")
        self.fc, self.bf = bnncim.BinaryLinear(16 * 6 * 6, 10), nn.BatchNorm1d(10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.q1(self.b1(self.c1(self.inq(x)))), 2)
        x = F.max_pool2d(self.q2(self.b2(self.sd(self.c2(x)))), 2)
        return self.bf(self.fc(x.flatten(1)))


def test_kbit_cnn_with_conv_then_batchnorm_verifies(tmp_path: Path) -> None:
    """Binary conv -> BatchNorm2d keeps its +-1 weights through the export, and every k-bit form maps and agrees
    with ONNX Runtime on every Monte-Carlo sample."""
    import onnx

    torch.manual_seed(3)
    model = KbitCnv()
    g = torch.Generator().manual_seed(3)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            m.running_mean.uniform_(-3, 3, generator=g)
            m.running_var.uniform_(0.5, 4, generator=g)
            m.weight.data.uniform_(-1.5, 1.5, generator=g)
            m.bias.data.uniform_(-1, 1, generator=g)
    path = tmp_path / "cnv.onnx"
    bnncim.export(model.eval(), torch.zeros(1, 1, 28, 28), path)
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert ops.count("BatchNormalization") == 3 and ops.count("Quant") == 3
    report = bnncim.compile(path, tmp_path / "out")
    assert report["stochastic_units"] == 1
    digits = np.load(REPO / "testdata" / "mnist" / "test-1000-images.npy")[:48]
    res = bnncim.verify(path, digits, samples=3, layers=True)
    assert res["examples"] == 48 and res["max_abs_diff"] == 0.0


def test_sweep_rows_are_evals_numbers(tmp_path: Path) -> None:
    spec = {"models": [str(REPO / "testdata" / "models" / "mlp-sd.onnx")],
            "dataset": str(REPO / "testdata" / "mnist"), "limit": 40,
            "crossbar": ["128x128", "256x256"], "samples": 4, "seed": [0, 1]}
    rows = bnncim.sweep(spec, tmp_path / "sweep", threads=2)
    assert [r["point"] for r in rows] == [0, 1, 2, 3]
    assert [(r["crossbar"], r["seed"]) for r in rows] == [("128x128", 0), ("128x128", 1), ("256x256", 0),
                                                          ("256x256", 1)]
    assert all(r["status"] == "ok" and r["examples"] == 40 for r in rows)
    ev = bnncim.evaluate(REPO / "testdata" / "models" / "mlp-sd.onnx", REPO / "testdata" / "mnist", limit=40,
                         samples=4, seed=1, crossbar="256x256")
    assert abs(rows[3]["accuracy"] - ev["accuracy"]) < 1e-4 and abs(rows[3]["nll"] - ev["nll"]) < 1e-4
    again = bnncim.sweep(spec, tmp_path / "sweep")
    assert again == rows
    with pytest.raises(bnncim.BnncimError) as e:
        bnncim.sweep({**spec, "crossbar": ["12x"]}, tmp_path / "bad")
    assert e.value.exit_code == 2 and "crossbar[0]" in str(e.value)
