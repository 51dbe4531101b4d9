"""bnncim.export writes docs/onnx-conventions.md, and the committed reference models byte for byte."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

import bnncim
from bnncim.onnx_export import binary_weight_names
from conftest import cnn, committed_reference, mlp, train


def attrs(node: onnx.NodeProto) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def test_mlp_export_follows_the_conventions(tmp_path: Path) -> None:
    model = train(mlp(p=0.2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no shape-inference or deprecation warning reaches the user
        proto = bnncim.export(model, torch.zeros(2, 1, 8, 8), tmp_path / "m.onnx")
    onnx.checker.check_model(proto)
    assert onnx.load(str(tmp_path / "m.onnx")) == proto
    opsets = {o.domain: o.version for o in proto.opset_import}
    assert opsets[""] == 13 and opsets["ai.bnncim"] == 1
    ops = [n.op_type for n in proto.graph.node]
    assert ops == ["Flatten", "MatMul", "ScaleDropout", "BatchNormalization", "Sign"] * 1 + [
        "MatMul", "ScaleDropout", "BatchNormalization", "Sign", "MatMul", "BatchNormalization"]
    sds = [n for n in proto.graph.node if n.op_type == "ScaleDropout"]
    assert all(n.domain == "ai.bnncim" and len(n.input) == 2 for n in sds)
    assert all(attrs(n)["axis"] == 1 and attrs(n)["p"] == pytest.approx(0.2) for n in sds)
    assert len(binary_weight_names(proto)) == 3, "every MatMul weight is a {-1,+1} initializer"
    assert [n.name for n in proto.graph.node][:2] == ["Flatten_0", "MatMul_0"]
    g = proto.graph
    assert [i.name for i in g.input] == ["input"] and [o.name for o in g.output] == ["logits"]
    dims = g.output[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and dims[1].dim_value == 10
    assert all(t.HasField("raw_data") for t in g.initializer)


def test_export_leaves_the_model_as_it_was(tmp_path: Path) -> None:
    model = train(mlp())
    model.train()
    sd = model[2]
    sd.z = torch.tensor([True])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with bnncim.mc_mode(model):
        bnncim.export(model, torch.zeros(2, 1, 8, 8), tmp_path / "m.onnx")
        assert sd.mc and model.training and sd.z is not None
    after = model.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)


def test_shared_initializers_are_resolved(tmp_path: Path) -> None:
    """Untrained scales are all equal: torch de-duplicates them and reads the copies through
    Identity, which verify's reference form does not accept. The file must have no Identity."""
    model = mlp().eval()
    proto = bnncim.export(model, torch.zeros(2, 1, 8, 8), tmp_path / "m.onnx")
    assert "Identity" not in [n.op_type for n in proto.graph.node]
    names = {t.name for t in proto.graph.initializer}
    assert all(i in names or i == "input" or any(i in n.output for n in proto.graph.node)
               for n in proto.graph.node for i in n.input)


def test_cnn_export_has_binary_conv_weights(tmp_path: Path) -> None:
    proto = bnncim.export(train(cnn()), torch.zeros(2, 1, 8, 8), tmp_path / "c.onnx")
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Conv") == 2 and ops.count("ScaleDropout") == 2 and ops.count("MaxPool") == 2
    assert len(binary_weight_names(proto)) == 3


def test_dropped_scale_is_the_third_input(tmp_path: Path) -> None:
    model = nn.Sequential(bnncim.BinaryLinear(4, 3), bnncim.ScaleDropout(3, 0.3, 2.0, dropped_scale=0.5))
    proto = bnncim.export(model, torch.zeros(2, 4), tmp_path / "d.onnx")
    sd = [n for n in proto.graph.node if n.op_type == "ScaleDropout"][0]
    inits = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    assert len(sd.input) == 3 and float(inits[sd.input[2]]) == 0.5


def test_mc_dropout_is_standard_dropout_with_a_ratio_input(tmp_path: Path) -> None:
    model = nn.Sequential(bnncim.BinaryLinear(4, 3), nn.BatchNorm1d(3), bnncim.SignActivation(), bnncim.MCDropout(0.2),
                          bnncim.BinaryLinear(3, 2))
    proto = bnncim.export(model, torch.zeros(2, 4), tmp_path / "mcd.onnx")
    drop = [n for n in proto.graph.node if n.op_type == "Dropout"]
    inits = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    assert len(drop) == 1 and drop[0].domain == "" and float(inits[drop[0].input[1]]) == pytest.approx(0.2)
    assert "ai.bnncim" not in {o.domain for o in proto.opset_import}


def test_sign_weight_style_keeps_latents_without_zeros(tmp_path: Path) -> None:
    model = nn.Sequential(bnncim.BinaryLinear(4, 3), nn.BatchNorm1d(3), bnncim.SignActivation("BipolarQuant"))
    with torch.no_grad():
        model[0].weight[0, 0] = 0.0
    proto = bnncim.export(model, torch.zeros(2, 4), tmp_path / "s.onnx", weights="sign")
    ops = [n.op_type for n in proto.graph.node]
    assert ops[:3] == ["Sign", "Transpose", "MatMul"] and "BipolarQuant" in ops
    w = [numpy_helper.to_array(t) for t in proto.graph.initializer if t.dims == [3, 4]][0]
    assert not np.any(w == 0), "ONNX Sign(0) = 0 would disagree with the chip"


# --- byte identity with the committed reference models ---------------------------------------------------------
# (scripts/train_reference.py builds them from these layers; tests/test_train_reference.py checks the script.)


class PackageMLP(nn.Module):
    """The reference MLP (train_reference's BinMLP) written with the package's layers, with the same
    attribute names (so the same initializer names) and the same forward."""

    def __init__(self, kind: str, p: float, hidden: int = 256) -> None:
        super().__init__()
        act = "BipolarQuant" if kind == "det" else "Sign"
        dims = [784, hidden, hidden]
        self.w = nn.ModuleList([bnncim.BinaryWeight((dims[i], dims[i + 1]), dims[i]) for i in range(2)])
        self.w_out = bnncim.BinaryWeight((hidden, 10), hidden)
        self.sd = nn.ModuleList([bnncim.ScaleDropout(hidden, p, 2.0) for _ in range(2)]) if kind == "sd" else None
        self.bn = nn.ModuleList([nn.BatchNorm1d(hidden) for _ in range(2)])
        self.bn_out = nn.BatchNorm1d(10)
        self.act = nn.ModuleList([bnncim.SignActivation(act) for _ in range(2)])
        self.drop = nn.ModuleList([bnncim.MCDropout(p) for _ in range(2)]) if kind == "mcd" else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
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


class PackageCNN(nn.Module):
    """The reference CNN (train_reference's BinCNN) written with the package's layers (same names, same forward)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.c1 = bnncim.BinaryWeight((32, 1, 3, 3), 9)
        self.c2 = bnncim.BinaryWeight((64, 32, 3, 3), 32 * 9)
        self.f1 = bnncim.BinaryWeight((64 * 7 * 7, 256), 64 * 7 * 7)
        self.f2 = bnncim.BinaryWeight((256, 10), 256)
        self.sd = nn.ModuleList([bnncim.ScaleDropout(c, p, 2.0) for c in (32, 64, 256)])
        self.bn1, self.bn2 = nn.BatchNorm2d(32), nn.BatchNorm2d(64)
        self.bn3, self.bn_out = nn.BatchNorm1d(256), nn.BatchNorm1d(10)
        self.act = nn.ModuleList([bnncim.SignActivation() for _ in range(3)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.conv2d(x, self.c1(), padding=1)
        h = F.max_pool2d(self.act[0](self.bn1(self.sd[0](h))), 2)
        h = F.conv2d(h, self.c2(), padding=1)
        h = F.max_pool2d(self.act[1](self.bn2(self.sd[1](h))), 2)
        h = torch.flatten(h, 1)
        h = self.act[2](self.bn3(self.sd[2](torch.matmul(h, self.f1()))))
        return self.bn_out(torch.matmul(h, self.f2()))


@pytest.mark.parametrize("name", ["mlp-sd", "cnn-sd", "mlp-mcd", "mlp-det"])
def test_committed_reference_models_regenerate_byte_for_byte(tmp_path: Path, name: str) -> None:
    """Rebuild each committed reference model with the package from its own initializers (a {-1,+1} weight
    is its own latent) and export it: the bytes equal testdata/models/NAME.onnx."""
    ref = committed_reference(name)
    proto = ref.proto
    kind = {"mlp-sd": "sd", "mlp-mcd": "mcd", "mlp-det": "det"}.get(name)
    model = PackageCNN(ref.p) if name == "cnn-sd" else PackageMLP(kind or "", ref.p)
    ref.load_into(model)
    bnncim.export(model, torch.zeros(2, 1, 28, 28), tmp_path / "again.onnx",
                  weights="sign" if name == "mlp-det" else "prebin",
                  producer_name=proto.producer_name, doc_string=proto.doc_string)
    assert (tmp_path / "again.onnx").read_bytes() == ref.path.read_bytes()
