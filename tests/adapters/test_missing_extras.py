"""Without an adapter's extra installed, using it names the extra to install."""

from __future__ import annotations

import importlib
import sys

import pytest

import graders
from graders.core.errors import MissingDependencyError


def test_server_without_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    monkeypatch.delitem(sys.modules, "graders.adapters.server", raising=False)
    with pytest.raises(MissingDependencyError, match=r"pip install 'graders\[server\]'"):
        importlib.import_module("graders.adapters.server")


def test_ray_engine_without_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    from graders.adapters.ray import grade_batch

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'graders\[ray\]'"):
        grade_batch(graders.loads('{type: equals, reference: "a"}'), [("a", None)])


def test_train_without_trl(monkeypatch: pytest.MonkeyPatch) -> None:
    from graders.adapters.train import train

    monkeypatch.setitem(sys.modules, "trl", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'graders\[trl\]'"):
        train("unused.yaml")


def test_trl_reward_functions_need_no_trl(monkeypatch: pytest.MonkeyPatch) -> None:
    from graders.adapters.trl import reward_funcs

    monkeypatch.setitem(sys.modules, "trl", None)
    funcs = reward_funcs(graders.loads('{type: equals, reference: "a"}'))
    assert funcs[0](prompts=["q"], completions=["a"], completion_ids=None) == [1.0]
