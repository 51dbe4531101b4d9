"""Drive the bnncim Java CLI from Python.

The compiler, simulator and verifier live in Java; this module only builds
command lines, moves arrays through .npy files and turns the CLI's results
into Python values. Options map ``snake_case=value`` to ``--kebab-case value``
(True -> bare flag, False/None -> omitted, lists -> comma-separated), so any
option of ``scripts/bnncim CMD --help`` works without a wrapper change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ["BnncimError", "bnncim_home", "cli", "compile", "run", "evaluate", "verify", "sweep"]

PathLike = Union[str, "os.PathLike[str]"]
ArrayOrPath = Union[np.ndarray, PathLike]


class BnncimError(RuntimeError):
    """The CLI failed: ``message`` is its one-line error, ``exit_code`` its exit code
    (1 verification mismatch or regression, 2 bad input or usage, 3 internal error)."""

    def __init__(self, message: str, exit_code: int, stderr: str = "", command: Sequence[str] = ()) -> None:
        super().__init__("%s (exit code %d)" % (message, exit_code))
        self.message = message
        self.exit_code = exit_code
        self.stderr = stderr
        self.command = list(command)


def bnncim_home() -> Path:
    """The repository holding scripts/bnncim: $BNNCIM_HOME, else the checkout this package sits in.

    A venv inside the repository (python/.venv) keeps the installed package
    under the repository, so walking up from this file finds it without
    configuration.
    """
    env = os.environ.get("BNNCIM_HOME")
    if env:
        home = Path(env)
        if not (home / "scripts" / "bnncim").is_file():
            raise BnncimError("BNNCIM_HOME=%s has no scripts/bnncim" % env, 2)
        return home
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for d in [start] + list(start.parents):
            if (d / "scripts" / "bnncim").is_file() and (d / "pom.xml").is_file():
                return d
    raise BnncimError("cannot find the bnncim repository: set BNNCIM_HOME to it", 2)


def options_to_args(options: Dict[str, Any]) -> List[str]:
    """``{"crossbar": "128x128", "mc_dropout": True}`` -> ``["--crossbar", "128x128", "--mc-dropout"]``."""
    args: List[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return args


def _one_line(stderr: str, stdout: str) -> str:
    """The CLI's error line ("bnncim: ..."), skipping JVM warnings and build notices printed before it."""
    # a build on first use may leave terminal colour codes in front of the line that follows it
    stderr = re.sub(r"\x1b\[[0-9;]*m", "", stderr)
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.startswith("bnncim"):
            return ln
    if lines:
        return lines[-1]
    out = [ln.strip() for ln in stdout.splitlines() if ln.strip()]
    return out[-1] if out else "bnncim failed without a message"


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``scripts/bnncim ARGS`` (building the jar on first use) and capture its output."""
    cmd = [str(bnncim_home() / "scripts" / "bnncim")] + [os.fspath(a) for a in args]
    env = dict(os.environ)
    # Silences the JVM's native-access warning for ONNX Runtime; the user's own options come last.
    env["BNNCIM_JAVA_OPTS"] = ("--enable-native-access=ALL-UNNAMED " + env.get("BNNCIM_JAVA_OPTS", "")).strip()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise BnncimError(_one_line(proc.stderr, proc.stdout), proc.returncode, proc.stderr, cmd)
    return proc


def compile(model: PathLike, out_dir: PathLike, **options: Any) -> Dict[str, Any]:
    """``bnncim compile MODEL -o OUT_DIR [options]``; returns OUT_DIR/report.json as a dict."""
    cli("compile", os.fspath(model), "-o", os.fspath(out_dir), *options_to_args(options))
    with open(os.path.join(os.fspath(out_dir), "report.json")) as f:
        return json.load(f)


def _as_npy(x: ArrayOrPath, tmp: str, name: str) -> str:
    if isinstance(x, np.ndarray):
        path = os.path.join(tmp, name)
        arr = x if x.dtype == np.uint8 else x.astype(np.float32)
        np.save(path, arr)
        return path
    return os.fspath(x)


def run(
    model: PathLike, inputs: ArrayOrPath, *, return_samples: bool = False, **options: Any
) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """``bnncim run`` on the CIM simulator; ``model`` is an .onnx file or a compiled folder.

    Returns the outputs [N, C]: logits for one deterministic pass, mean
    probabilities with ``samples=T``. With ``return_samples=True`` also every
    pass's outputs [N, T, C]. ``inputs`` is an array (uint8 images are read
    as x/255, anything else as float32) or a path to an .npy file.
    """
    with tempfile.TemporaryDirectory(prefix="bnncim-run-") as tmp:
        out = os.path.join(tmp, "outputs.npy")
        args = ["run", os.fspath(model), "--input", _as_npy(inputs, tmp, "inputs.npy"), "-o", out, "--quiet"]
        if return_samples:
            args += ["--save-samples", os.path.join(tmp, "samples.npy")]
        cli(*args, *options_to_args(options))
        y = np.load(out)
        if return_samples:
            return y, np.load(os.path.join(tmp, "samples.npy"))
        return y


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def evaluate(
    model: PathLike,
    dataset: Union[PathLike, Tuple[np.ndarray, np.ndarray]],
    *,
    ood: Optional[ArrayOrPath] = None,
    **options: Any,
) -> Dict[str, Any]:
    """``bnncim eval``: accuracy, NLL, ECE, entropies, mutual information, OOD AUROC.

    ``dataset`` is a folder (see README), an *images.npy path, or a pair of
    arrays (images, labels); ``ood`` an array or a path. Returns the printed
    table as a dict: metric -> number (first number of the line), strings
    for the descriptive lines (model, dataset, engine, mode).
    """
    with tempfile.TemporaryDirectory(prefix="bnncim-eval-") as tmp:
        if isinstance(dataset, tuple):
            images, labels = dataset
            _as_npy(images, tmp, "test-images.npy")
            np.save(os.path.join(tmp, "test-labels.npy"), np.asarray(labels).astype(np.uint8))
            dataset = tmp
        args = ["eval", os.fspath(model), "--dataset", os.fspath(dataset), "--no-progress"]
        if ood is not None:
            args += ["--ood", _as_npy(ood, tmp, "ood-images.npy")]
        proc = cli(*args, *options_to_args(options))
    return parse_table(proc.stdout)


# keys of a sweep spec (and of its model entries) that hold paths: a spec given as a dict is resolved against the
# current folder, as a user writing it in Python would expect, not against the temporary file it is written to
_SPEC_PATHS = ("dataset", "arch")


def _absolute(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value == "default"):
        return value
    if isinstance(value, (list, tuple)):
        return [_absolute(v) for v in value]
    if isinstance(value, dict):
        return {k: _absolute(v) for k, v in value.items()}
    return os.path.abspath(os.fspath(value))


def _spec_with_absolute_paths(spec: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(spec)
    for key in _SPEC_PATHS + ("ood",):
        if key in out:
            out[key] = _absolute(out[key])
    models = []
    for m in out.get("models", []):
        if isinstance(m, dict):
            m = dict(m)
            for key in ("path", "dataset", "ood"):
                if key in m:
                    m[key] = _absolute(m[key])
            models.append(m)
        else:
            models.append(_absolute(m))
    if "models" in out:
        out["models"] = models
    return out


def sweep(spec: Union[PathLike, Dict[str, Any]], out_dir: PathLike, **options: Any) -> List[Dict[str, Any]]:
    """``bnncim sweep SPEC -o OUT_DIR [options]`` (docs/sweeps.md); returns the rows of OUT_DIR/results.jsonl.

    ``spec`` is a spec file or a dict in the same format (its relative paths are
    taken from the current folder). Options as the CLI's: ``engine="spark"``,
    ``threads=4``. Run it again on the same ``out_dir`` to resume.
    """
    with tempfile.TemporaryDirectory(prefix="bnncim-sweep-") as tmp:
        if isinstance(spec, dict):
            path = os.path.join(tmp, "sweep.json")
            with open(path, "w") as f:
                json.dump(_spec_with_absolute_paths(spec), f)
            spec = path
        cli("sweep", os.fspath(spec), "-o", os.fspath(out_dir), "--no-progress", *options_to_args(options))
    with open(os.path.join(os.fspath(out_dir), "results.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def parse_table(text: str) -> Dict[str, Any]:
    """Parse ``key value [comment]`` lines as eval prints them; the full line is kept under key + '_text'."""
    result: Dict[str, Any] = {}
    for line in text.splitlines():
        parts = line.split(None, 1)
        if len(parts) != 2:
            continue
        key, rest = parts
        first = rest.split()[0]
        value = _number(first)
        result[key] = value if not isinstance(value, str) else rest.strip()
        if not isinstance(value, str) and rest.strip() != first:
            result[key + "_text"] = rest.strip()
    return result


_VERIFIED = re.compile(
    r"verified .*?: (\d+) example\(s\) x \(1 deterministic \+ (\d+) MC\) passes"
    r".*?max \|logit diff\| ([0-9.eE+-]+)"
)


def verify(model: PathLike, inputs: Optional[ArrayOrPath] = None, **options: Any) -> Dict[str, Any]:
    """``bnncim verify``: ONNX Runtime on the reference form against the simulator, pass by pass.

    Raises BnncimError (exit code 1) naming the first diverging layer on a
    mismatch. Returns ``{"examples", "mc_passes", "max_abs_diff", "output"}``.
    """
    with tempfile.TemporaryDirectory(prefix="bnncim-verify-") as tmp:
        args = ["verify", os.fspath(model)]
        if inputs is not None:
            args += ["--input", _as_npy(inputs, tmp, "inputs.npy")]
        proc = cli(*args, *options_to_args(options))
    result: Dict[str, Any] = {"output": proc.stdout}
    m = _VERIFIED.search(proc.stdout)
    if m:
        result.update(examples=int(m.group(1)), mc_passes=int(m.group(2)), max_abs_diff=float(m.group(3)))
    return result


@dataclass(frozen=True)
class Prediction:
    """Monte-Carlo prediction per example (or per pixel): the arrays ``bnncim run`` prints as text.

    ``mean`` holds the mean class probabilities [N, C, ...]; the entropies and the mutual information are [N, ...]
    in nats, computed the way the CLI computes them: softmax of every pass's outputs, predictive entropy of the
    mean, expected entropy as the mean of the passes' entropies, MI as their difference clipped at 0.
    """

    mean: np.ndarray
    predictive_entropy: np.ndarray
    expected_entropy: np.ndarray
    mutual_information: np.ndarray
    samples: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return self.mean.argmax(axis=1)


def uncertainty(sample_outputs: np.ndarray) -> Prediction:
    """The entropy decomposition of per-pass outputs [N, T, C, ...] (logits of each pass, as ``--save-samples``)."""
    z = np.asarray(sample_outputs, dtype=np.float64)
    if z.ndim < 3:
        raise ValueError("sample outputs must be [N, T, C, ...], got shape %s" % (z.shape,))
    z = z - z.max(axis=2, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=2, keepdims=True)

    def entropy(q: np.ndarray, axis: int) -> np.ndarray:
        return -np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0), axis=axis)

    mean = p.mean(axis=1)
    predictive = entropy(mean, axis=1)
    expected = entropy(p, axis=2).mean(axis=1)
    return Prediction(mean, predictive, expected, np.maximum(0.0, predictive - expected), np.asarray(sample_outputs))


def predict(model: PathLike, inputs: ArrayOrPath, *, samples: int = 20, **options: Any) -> Prediction:
    """``bnncim run`` with ``samples`` Monte-Carlo passes on the simulator, returned as arrays per example."""
    if samples < 1:
        raise ValueError("predict needs samples >= 1 (use run() for one deterministic pass)")
    _, every = run(model, inputs, return_samples=True, samples=samples, **options)
    return uncertainty(every)
