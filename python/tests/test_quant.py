"""QuantActivation: QONNX Quant's float32 semantics, its straight-through gradients, and its export."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import Dict, List

import numpy as np
import onnx
import pytest
import torch
import torch.nn as nn
from onnx import numpy_helper

import bnncim
from conftest import random_data, train

QONNX = "qonnx.custom_op.general"


def np_quant(x: np.ndarray, scale: float, zeropt: float, bits: int, signed: bool, narrow: bool,
             mode: str = "ROUND") -> np.ndarray:
    """QONNX's Quant as its reference implementation writes it, in float32: scale, clip, then round, rescale."""
    x = np.asarray(x, dtype=np.float32)
    s, z = np.float32(scale), np.float32(zeropt)
    if signed:
        lo, hi = -(2 ** (bits - 1)) + int(narrow), 2 ** (bits - 1) - 1
    else:
        lo, hi = 0, 2 ** bits - 1 - int(narrow)
    y = x / s + z
    y = np.where(y > hi, np.float32(hi), y)
    y = np.where(y < lo, np.float32(lo), y)
    rnd = {"ROUND": np.round, "FLOOR": np.floor, "CEIL": np.ceil}[mode]
    y = rnd(y).astype(np.float32)
    return ((y - z) * s).astype(np.float32)


def probe(scale: float, bits: int) -> np.ndarray:
    """Inputs on every tie k + 1/2 and every integer k (times scale) from well below to well above the range,
    the same just beside each, and random values."""
    k = np.arange(-(2 ** bits) - 3, 2 ** bits + 4, dtype=np.float32)
    on = np.concatenate([k, k + np.float32(0.5)]) * np.float32(scale)
    beside = np.concatenate([np.nextafter(on, np.float32(np.inf)), np.nextafter(on, np.float32(-np.inf))])
    rnd = np.random.RandomState(bits).normal(0, 2 ** bits * scale, 500).astype(np.float32)
    return np.concatenate([on, beside, rnd, np.float32([0.0, -0.0])]).astype(np.float32)


CASES = list(itertools.product([2, 3, 4, 8], [True, False], [False, True]))


@pytest.mark.parametrize("bits,signed,narrow", CASES)
@pytest.mark.parametrize("scale", [1.0, 0.25, 2.0, 0.37, 1.0 / 3.0])
def test_forward_is_qonnx_quant_bit_for_bit(bits: int, signed: bool, narrow: bool, scale: float) -> None:
    x = probe(scale, bits)
    q = bnncim.QuantActivation(bits, signed=signed, narrow=narrow, scale=scale)
    got = q(torch.from_numpy(x)).numpy()
    want = np_quant(x, scale, 0.0, bits, signed, narrow)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    # the clip range, and nothing outside it
    lo, hi = q.min_int, q.max_int
    assert np.array_equal(np.unique(np.round(want / np.float32(scale))), np.arange(lo, hi + 1))
    np.testing.assert_array_equal(q.levels().numpy(), np.arange(lo, hi + 1, dtype=np.float32) * np.float32(scale))


def test_ties_round_half_to_even_after_the_clip() -> None:
    q = bnncim.QuantActivation(2)  # integers -2..1
    x = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.2, -2.2, 0.4999])
    assert q(x).tolist() == [-2.0, -2.0, -0.0, 0.0, 1.0, 1.0, 1.0, -2.0, 0.0]
    q = bnncim.QuantActivation(2, narrow=True)  # -1..1
    assert q(torch.tensor([-1.5, -0.5, 1.5, -9.0])).tolist() == [-1.0, -0.0, 1.0, -1.0]
    q = bnncim.QuantActivation(3, signed=False, scale=0.5)  # 0..7 times 0.5
    assert q(torch.tensor([0.25, 0.75, 3.25, 3.75, 9.0, -1.0])).tolist() == [0.0, 1.0, 3.0, 3.5, 3.5, 0.0]  # 6.5 -> 6, 7.5 -> 7


@pytest.mark.parametrize("mode", ["FLOOR", "CEIL", "ROUND"])
def test_rounding_modes(mode: str) -> None:
    x = probe(0.5, 3)
    for signed, narrow in [(True, False), (False, True)]:
        q = bnncim.QuantActivation(3, signed=signed, narrow=narrow, scale=0.5, rounding_mode=mode)
        np.testing.assert_array_equal(q(torch.from_numpy(x)).numpy(), np_quant(x, 0.5, 0.0, 3, signed, narrow, mode))


def test_one_bit_is_refused_with_a_pointer_to_sign_activation() -> None:
    with pytest.raises(ValueError, match="SignActivation"):
        bnncim.QuantActivation(1)
    for bad in (0, 9, 2.0, True):
        with pytest.raises(ValueError, match="bits"):
            bnncim.QuantActivation(bad)  # type: ignore[arg-type]
    for mode in ("HALF_AWAY", "ROUND_TO_ZERO", "round"):  # QONNX executes ROUND, FLOOR and CEIL only
        with pytest.raises(ValueError, match="rounding_mode"):
            bnncim.QuantActivation(2, rounding_mode=mode)
    for s in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="scale"):
            bnncim.QuantActivation(2, scale=s)


def test_gradient_is_straight_through_inside_the_clip_range() -> None:
    q = bnncim.QuantActivation(2, scale=0.5)  # values -1.0..0.5
    x = torch.tensor([-1.3, -1.0, -0.2, 0.3, 0.5, 0.9], requires_grad=True)
    q(x).sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 0.0]


def test_learned_scale_gets_lsq_gradient() -> None:
    q = bnncim.QuantActivation(2, scale=0.5, learn_scale=True)
    assert isinstance(q.scale, nn.Parameter)
    x = torch.tensor([-1.3, -0.2, 0.3, 0.9])
    q(x).sum().backward()
    # below: min_int; inside: round(x/s) - x/s; above: max_int
    want = -2 + (0 - (-0.4)) + (1 - 0.6) + 1
    assert q.scale.grad is not None and float(q.scale.grad) == pytest.approx(want, abs=1e-6)
    assert not isinstance(bnncim.QuantActivation(2).scale, nn.Parameter)
    assert "scale" in dict(bnncim.QuantActivation(2).named_buffers())


def tfc_like(bits: int = 2, signed: bool = True, narrow: bool = False, learn_scale: bool = False) -> nn.Module:
    """64 -> 32 -> 32 -> 10 with binary weights, BN and k-bit activations (a small TFC-w1aK)."""
    return nn.Sequential(
        nn.Flatten(),
        bnncim.BinaryLinear(64, 32), nn.BatchNorm1d(32),
        bnncim.QuantActivation(bits, signed=signed, narrow=narrow, scale=0.5, learn_scale=learn_scale),
        bnncim.BinaryLinear(32, 32), nn.BatchNorm1d(32),
        bnncim.QuantActivation(bits, signed=signed, narrow=narrow, scale=1.0, learn_scale=learn_scale,
                               rounding_mode="FLOOR" if not signed else "ROUND"),
        bnncim.BinaryLinear(32, 10), nn.BatchNorm1d(10),
    )


def attrs(node: onnx.NodeProto) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run_graph(proto: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """A numpy evaluator of the few ops these graphs have, in float32; Quant by np_quant above."""
    g = proto.graph
    env: Dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    env[g.input[0].name] = x.astype(np.float32)
    for node in g.node:
        a = attrs(node)
        ins: List[np.ndarray] = [env[i] for i in node.input]
        if node.op_type == "Flatten":
            y = ins[0].reshape(ins[0].shape[0], -1)
        elif node.op_type == "MatMul":
            y = ins[0] @ ins[1]
        elif node.op_type == "BatchNormalization":
            xx, sc, b, mu, var = ins
            y = (xx - mu) / np.sqrt(var + np.float32(a.get("epsilon", 1e-5))) * sc + b
        elif node.op_type == "Quant":
            assert node.domain == QONNX
            xx, s, z, bw = ins
            y = np_quant(xx, float(s), float(z), int(bw), bool(a["signed"]), bool(a["narrow"]),
                         a["rounding_mode"].decode())
        else:
            raise NotImplementedError(node.op_type)
        env[node.output[0]] = y.astype(np.float32)
    return env[g.output[0].name]


@pytest.mark.parametrize("bits,signed,narrow,learn", [(2, True, False, False), (2, True, True, True),
                                                       (3, False, False, True), (4, True, False, False)])
def test_export_is_one_quant_node_per_activation(tmp_path: Path, bits: int, signed: bool, narrow: bool,
                                                 learn: bool) -> None:
    torch.manual_seed(3)
    model = train(tfc_like(bits, signed, narrow, learn), steps=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no shape-inference or deprecation warning reaches the user
        proto = bnncim.export(model, torch.zeros(2, 1, 8, 8), tmp_path / "q.onnx")
    onnx.checker.check_model(proto)
    onnx.checker.check_model(proto, full_check=True)  # shape inference too: unknown domains are passed over
    opsets = {o.domain: o.version for o in proto.opset_import}
    assert opsets == {"": 13, QONNX: 1}
    g = proto.graph
    assert [n.op_type for n in g.node] == ["Flatten"] + ["MatMul", "BatchNormalization", "Quant"] * 2 + [
        "MatMul", "BatchNormalization"]
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    quants = [n for n in g.node if n.op_type == "Quant"]
    acts = [m for m in model.modules() if isinstance(m, bnncim.QuantActivation)]
    for node, act in zip(quants, acts):
        assert node.domain == QONNX and len(node.input) == 4 and len(node.output) == 1
        assert attrs(node) == {"signed": int(signed), "narrow": int(narrow), "rounding_mode": act.rounding_mode.encode()}
        scale, zeropt, bitwidth = (inits[i] for i in node.input[1:])
        assert all(t.shape == () and t.dtype == np.float32 for t in (scale, zeropt, bitwidth))
        assert scale == act.scale.detach().numpy() and zeropt == 0.0 and bitwidth == float(bits)
    assert all(t.HasField("raw_data") for t in g.initializer)
    assert len(bnncim.onnx_export.binary_weight_names(proto)) == 3

    x, _ = random_data(n=64, seed=11)
    with torch.no_grad():
        want = model(x).numpy()
    got = run_graph(proto, x.numpy())
    assert np.abs(got - want).max() < 1e-4
    assert np.array_equal(got.argmax(1), want.argmax(1))


def test_export_keeps_the_model_and_refuses_a_nonpositive_learned_scale(tmp_path: Path) -> None:
    model = train(tfc_like(learn_scale=True), steps=3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    bnncim.export(model, torch.zeros(2, 1, 8, 8), tmp_path / "q.onnx")
    after = model.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    with torch.no_grad():
        model[3].scale.fill_(-0.5)
    with pytest.raises(ValueError, match="positive"):
        bnncim.export(model, torch.zeros(2, 1, 8, 8), tmp_path / "bad.onnx")
