"""The layers' semantics: Scale-Dropout sampling and expectation, sign(0)=+1, straight-through gradients."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn as nn

import bnncim
from conftest import mlp, train


def dropped_share(sd: bnncim.ScaleDropout, n: int) -> torch.Tensor:
    """Per-example dropped flags of one pass: with x = 1 and scale = 3, y is 1 exactly when dropped."""
    y = sd(torch.ones(n, sd.scale.numel()))
    dropped = (y == 1.0).all(dim=1)
    kept = (y == 3.0).all(dim=1)
    assert bool((dropped ^ kept).all()), "each example is either all dropped or all kept (one bit per layer)"
    return dropped


def binomial_bound(n: int, p: float, sigmas: float = 5.0) -> float:
    return sigmas * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("p", [0.1, 0.2, 0.5])
def test_mc_sampling_share_of_dropped_passes_is_binomial(p: float) -> None:
    torch.manual_seed(1)
    sd = bnncim.ScaleDropout(16, p, init_scale=3.0).eval()
    with bnncim.mc_mode(sd):
        flags = torch.stack([dropped_share(sd, 500) for _ in range(8)])  # 8 passes x 500 examples
    n = flags.numel()
    assert abs(flags.float().mean().item() - p) < binomial_bound(n, p)
    # a new bit per pass: the same example is not dropped in every pass
    assert 0 < flags.float().mean(0).max().item() <= 1 and not bool((flags == flags[0]).all())


def test_training_samples_and_eval_is_the_expectation() -> None:
    torch.manual_seed(2)
    sd = bnncim.ScaleDropout(4, 0.25, init_scale=3.0)
    sd.train()
    share = dropped_share(sd, 4000).float().mean().item()
    assert abs(share - 0.25) < binomial_bound(4000, 0.25)
    sd.eval()
    y = sd(torch.ones(3, 4))
    assert torch.allclose(y, torch.full((3, 4), 0.75 * 3.0 + 0.25 * 1.0))


def test_mc_mode_is_independent_of_train_and_restores() -> None:
    model = mlp().eval()
    sds = [m for m in model.modules() if isinstance(m, bnncim.ScaleDropout)]
    with bnncim.mc_mode(model):
        assert all(m.mc for m in sds)
        assert not any(m.training for m in model.modules()), "BN stays in eval while sampling"
    assert not any(m.mc for m in sds)
    bnncim.mc_mode(model, True)  # without a context manager: stays on
    assert all(m.mc for m in sds)
    bnncim.mc_mode(model, False)
    assert not any(m.mc for m in sds)


def test_mc_mode_samples_differ_and_eval_is_deterministic() -> None:
    model = train(mlp(), steps=3)  # trained BN statistics: a dropped scale can flip a sign
    torch.manual_seed(3)
    x = torch.rand(64, 1, 8, 8)
    with torch.no_grad():
        a, b = model(x), model(x)
        assert torch.equal(a, b)
        with bnncim.mc_mode(model):
            outs = [model(x) for _ in range(4)]
    assert any(not torch.equal(outs[0], o) for o in outs[1:])


def test_fixed_bits_reproduce_a_sample() -> None:
    sd = bnncim.ScaleDropout(2, 0.5, init_scale=3.0, dropped_scale=0.5)
    sd.z = torch.tensor([True, False, True])
    for mode in (sd.train, sd.eval):
        mode()
        y = sd(torch.ones(3, 2))
        assert torch.equal(y, torch.tensor([[0.5, 0.5], [3.0, 3.0], [0.5, 0.5]]))


@pytest.mark.parametrize("dropped", [None, 0.5, torch.tensor([0.5, -1.0, 2.0])])
def test_expectation_equals_mean_over_bit_combinations(dropped: object) -> None:
    """Two stacked layers with nothing non-linear between them: the deterministic output
    is the probability-weighted mean over the four bit combinations."""
    torch.manual_seed(4)
    p1, p2 = 0.2, 0.35
    a = bnncim.ScaleDropout(3, p1, init_scale=1.5, dropped_scale=dropped)
    b = bnncim.ScaleDropout(3, p2, init_scale=2.5, dropped_scale=dropped)
    with torch.no_grad():
        a.scale.copy_(torch.tensor([1.5, -0.5, 3.0]))
    model = nn.Sequential(a, b).eval()
    x = torch.randn(5, 3, 4)  # [N, C, L]: the scale is broadcast along axis 1
    with torch.no_grad():
        expected = model(x)
        mean = torch.zeros_like(x)
        for z1, z2 in itertools.product([False, True], repeat=2):
            a.z, b.z = torch.tensor(z1), torch.tensor(z2)
            w = (p1 if z1 else 1 - p1) * (p2 if z2 else 1 - p2)
            mean += w * model(x)
    assert torch.allclose(expected, mean, atol=1e-6)


def test_sign_of_zero_is_plus_one() -> None:
    act = bnncim.SignActivation()
    x = torch.tensor([0.0, -0.0, -1e-9, 1e-9, -3.0, 2.0])
    assert act(x).tolist() == [1.0, 1.0, -1.0, 1.0, -1.0, 1.0]
    lin = bnncim.BinaryLinear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.0, -0.5]]))
    assert lin(torch.tensor([[1.0, 1.0]])).item() == 0.0  # (+1) + (-1)
    assert bnncim.SignActivation("BipolarQuant")(torch.zeros(3)).tolist() == [1.0, 1.0, 1.0]


def test_straight_through_gradient_clipped_at_one() -> None:
    x = torch.tensor([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5], requires_grad=True)
    bnncim.SignActivation()(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]


def test_straight_through_gradient_of_latent_weights() -> None:
    lin = bnncim.BinaryLinear(3, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.3, -1.5, 0.9]]))
    x = torch.tensor([[2.0, 3.0, -1.0]])
    lin(x).sum().backward()
    # d(x . sign(w))/dw passes straight through as x, except where |w| > 1
    assert lin.weight.grad.tolist() == [[2.0, 0.0, -1.0]]
    conv = bnncim.BinaryConv2d(1, 1, 1, bias=True)
    with torch.no_grad():
        conv.weight.fill_(1.2)
    conv(torch.ones(1, 1, 2, 2)).sum().backward()
    assert conv.weight.grad.item() == 0.0 and conv.bias.grad.item() == 4.0


def test_clip_weights_keeps_latents_in_range() -> None:
    model = mlp()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, bnncim.BinaryLinear):
                m.weight.mul_(100.0)
    bnncim.clip_weights(model)
    assert all(m.weight.abs().max().item() <= 1.0 for m in model.modules() if isinstance(m, bnncim.BinaryLinear))


def test_mc_dropout_is_per_neuron_and_switchable() -> None:
    torch.manual_seed(5)
    d = bnncim.MCDropout(0.3).eval()
    x = torch.ones(200, 50)
    assert torch.equal(d(x), x)
    with bnncim.mc_mode(d):
        y = d(x)
    kept = y != 0
    assert abs(1 - kept.float().mean().item() - 0.3) < binomial_bound(kept.numel(), 0.3)
    assert not bool((kept.all(dim=1) | (~kept).all(dim=1)).all()), "bits are per neuron, not per layer"
    assert torch.allclose(y[kept], torch.tensor(1 / 0.7))
    d.mask = torch.zeros(1, 50)
    assert torch.equal(d(x), torch.zeros_like(x))


def test_bad_probability_is_refused() -> None:
    with pytest.raises(ValueError):
        bnncim.ScaleDropout(4, 1.0, 2.0)
    with pytest.raises(ValueError):
        bnncim.MCDropout(-0.1)
