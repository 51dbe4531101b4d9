"""bnncim.export writes docs/onnx-conventions.md."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import torch.nn as nn
from onnx import numpy_helper

import bnncim
from bnncim.onnx_export import binary_weight_names
from conftest import cnn, mlp, train


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


# Byte identity with the committed reference models: tests/test_train_reference.py rebuilds each one through
# scripts/train_reference.py, whose model classes are made of this package's layers.


class _ConvBnPrelu(nn.Module):
    """BinaryConv2d directly followed by BatchNorm2d (no Scale-Dropout between them), then PReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.act = bnncim.SignActivation()
        self.conv = bnncim.BinaryConv2d(2, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.prelu = nn.PReLU(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.prelu(self.bn(self.conv(self.act(x))) + x.mean(1, keepdim=True))


def test_binary_conv_then_batch_norm_is_not_folded_and_prelu_reads_an_initializer(tmp_path: Path) -> None:
    """torch's eval-mode export folds a BN into the Conv before it; for a binary conv that would make its weight
    real-valued. The export keeps Conv ({-1,+1} initializer) and BatchNormalization apart, and PReLU's slope is one
    [C,1,1] initializer rather than an Unsqueeze node."""
    torch.manual_seed(0)
    model = _ConvBnPrelu()
    with torch.no_grad():
        model.bn.running_mean.uniform_(-1, 1)
        model.bn.running_var.uniform_(0.5, 2)
        model.prelu.weight.uniform_(0, 0.5)
    model.eval()
    proto = bnncim.export(model, torch.zeros(2, 2, 5, 5), tmp_path / "m.onnx")
    ops = [n.op_type for n in proto.graph.node]
    assert "BatchNormalization" in ops and "Unsqueeze" not in ops and "PRelu" in ops
    assert len(binary_weight_names(proto)) == 1
    inits = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    prelu = next(n for n in proto.graph.node if n.op_type == "PRelu")
    assert inits[prelu.input[1]].shape == (4, 1, 1)
    np.testing.assert_array_equal(inits[prelu.input[1]].reshape(-1), model.prelu.weight.detach().numpy())
