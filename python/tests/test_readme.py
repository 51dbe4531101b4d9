"""The "Bring your own model" block of the README runs as written (the package README repeats it verbatim)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
PACKAGE_README = Path(__file__).resolve().parents[1] / "README.md"


def readme_block(section: str, readme: Path = README) -> str:
    """The first ```python block after the heading ``## <section>``."""
    text = readme.read_text()
    start = text.index("## " + section)
    m = re.compile(r"```python\n(.*?)```", re.S).search(text, start)
    assert m is not None, "no python block in section " + section
    return m.group(1)


def test_bring_your_own_model_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    code = readme_block("Bring your own model (Python)")
    assert len(code.strip().splitlines()) <= 20, "the example stays short"
    monkeypatch.chdir(tmp_path)
    scope: dict = {"__name__": "__readme__"}
    exec(compile(code, str(README), "exec"), scope)
    assert (tmp_path / "my-model.onnx").is_file() and (tmp_path / "out" / "my-model" / "report.json").is_file()
    out = capsys.readouterr().out
    assert "stochastic unit" in out and "accuracy" in out
    assert scope["report"]["stochastic_units"] == 1
    assert os.path.getsize(tmp_path / "my-model.onnx") > 0


def test_the_package_readme_shows_the_same_example() -> None:
    assert readme_block("Bring your own model", PACKAGE_README) == readme_block("Bring your own model (Python)")
