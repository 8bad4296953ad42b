"""Tokenizers for :class:`TopicVectorizer`: Korean morphemes with Kiwi."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from sklearn.base import BaseEstimator

__all__ = ["KiwiTokenizer"]

#: Default kept part-of-speech tags: common and proper nouns, foreign words
#: (Latin script) and Hanja, verbs and adjectives.
KIWI_DEFAULT_POS = ("NNG", "NNP", "SL", "SH", "VV", "VA")

# The tag set of Kiwi (Sejong tags plus Kiwi's own), without the "-I" / "-R"
# (irregular / regular conjugation) suffixes that Kiwi adds to verbs and
# adjectives: a tag outside this set is a typo that would keep nothing.
_KIWI_TAGS = frozenset(
    "NNG NNP NNB NR NP VV VA VX VCP VCN MM MAG MAJ IC "
    "JKS JKC JKG JKO JKB JKV JKQ JX JC EP EF EC ETN ETM "
    "XPN XSN XSV XSA XSM XR SF SP SS SSO SSC SE SO SW SL SH SN SB UN "
    "W_URL W_EMAIL W_HASHTAG W_MENTION W_SERIAL W_EMOJI Z_CODA Z_SIOT "
    "USER0 USER1 USER2 USER3 USER4".split()
)

_INSTALL_HINT = (
    'pip install "skforecast_ntm[korean]" (or pip install kiwipiepy; its model '
    "comes with the kiwipiepy_model package and works offline)"
)

# One Kiwi per process, built on first use and shared by every KiwiTokenizer:
# building it takes ~2 s and ~300 MB, which clones (GridSearchCV) and
# unpickled copies would otherwise pay again. Its analysis is thread-safe.
_KIWI: dict[str, Any] = {}
_KIWI_LOCK = threading.Lock()


def _get_kiwi() -> Any:
    """The process-wide ``kiwipiepy.Kiwi`` instance (built on first call)."""
    kiwi = _KIWI.get("kiwi")
    if kiwi is not None:
        return kiwi
    with _KIWI_LOCK:
        if "kiwi" not in _KIWI:
            try:
                from kiwipiepy import Kiwi
            except ImportError as exc:
                raise ImportError(
                    "KiwiTokenizer (TopicVectorizer(tokenizer='kiwi')) needs the "
                    f"Korean morphological analyser kiwipiepy: {_INSTALL_HINT}."
                ) from exc
            _KIWI["kiwi"] = Kiwi()
        return _KIWI["kiwi"]


def _check_pos(pos: Any) -> frozenset[str]:
    if isinstance(pos, str) or not isinstance(pos, Iterable):
        raise TypeError(
            "pos must be a list or tuple of Kiwi part-of-speech tags, e.g. "
            f"{list(KIWI_DEFAULT_POS)}; got {pos!r}."
        )
    tags = list(pos)
    if not tags or not all(isinstance(t, str) for t in tags):
        raise TypeError(f"pos must be a non-empty list of str tags, got {pos!r}.")
    unknown = sorted(set(tags) - _KIWI_TAGS)
    if unknown:
        raise ValueError(
            f"Unknown Kiwi part-of-speech tag(s) {unknown} in pos; valid tags: "
            f"{sorted(_KIWI_TAGS)}."
        )
    return frozenset(tags)


class KiwiTokenizer(BaseEstimator):
    """Korean tokenizer: the content morphemes of a text, with Kiwi.

    Korean attaches particles and endings to words (``주가가``, ``주가는``,
    ``주가의``; ``올랐다``, ``오릅니다``, ``오르는``), so whitespace tokens split
    one word into many rare forms. This callable runs the morphological
    analyser `Kiwi <https://github.com/bab2min/kiwipiepy>`_ and returns the
    morphemes whose part of speech is in ``pos``: nouns as they are, verbs and
    adjectives as their dictionary form (stem + ``다``), so every inflection
    counts as one term. Particles, endings and suffixes are dropped.

    ``TopicVectorizer(tokenizer="kiwi")`` uses it with the default tags; pass
    an instance (``tokenizer=KiwiTokenizer(pos=[...])``) to choose others.

    Needs the optional ``kiwipiepy`` package:
    ``pip install "skforecast_ntm[korean]"``. The analyser is built on the
    first call (about 2 s and 300 MB) and shared by all instances of the
    process; it is never pickled, so a pickled or cloned tokenizer stays
    small and rebuilds it on first use.

    Parameters
    ----------
    pos : list or tuple of str, default=("NNG", "NNP", "SL", "SH", "VV", "VA")
        Kiwi (Sejong) part-of-speech tags to keep. The default keeps common
        nouns (``NNG``), proper nouns (``NNP``), words in Latin script
        (``SL``), Hanja (``SH``), verbs (``VV``) and adjectives (``VA``).
        Other useful tags: ``NNB`` (bound nouns such as 것, 수: mostly noise
        for topics), ``XR`` (roots such as 깨끗 in 깨끗하다), ``NR``
        (numerals), ``SN`` (numbers), ``MAG`` (adverbs). Kiwi's ``-I``/``-R``
        (irregular/regular conjugation) tag suffixes are ignored: ``"VV"``
        keeps ``VV-I`` too.
    lemmatize : bool, default=True
        Return verbs and adjectives (tags starting with ``V``) as stem + ``다``
        (``올랐다`` -> ``오르다``); ``False``: the bare stem (``오르``).

    See Also
    --------
    skforecast_ntm.topics.TopicVectorizer : Raw text -> topic weights.

    Notes
    -----
    Tokenising runs one text at a time (``CountVectorizer`` calls the
    tokenizer per document): about 2,000-3,000 headlines of 30 characters per
    CPU-second (Kiwi's batch mode is no faster per core).
    ``CountVectorizer``'s ``lowercase=True`` lowercases Latin-script words
    before they reach Kiwi; Korean is unaffected.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("kiwipiepy")  # the korean extra
    >>> from skforecast_ntm.topics import KiwiTokenizer
    >>> tokenize = KiwiTokenizer()
    >>> tokenize("삼성전자의 주가가 크게 올랐다")
    ['삼성전자', '주가', '크다', '오르다']
    >>> KiwiTokenizer(pos=["NNG"])("선수들이 경기에서 골을 넣었습니다")
    ['선수', '경기', '골']
    """

    def __init__(
        self, pos: Iterable[str] = KIWI_DEFAULT_POS, *, lemmatize: bool = True
    ) -> None:
        self.pos = pos
        self.lemmatize = lemmatize

    def __call__(self, text: str) -> list[str]:
        """Content morphemes of ``text`` (a str), in order.

        Parameters
        ----------
        text : str
            One document.

        Returns
        -------
        list of str
        """
        keep = _check_pos(self.pos)  # microseconds; Kiwi takes ~100x more
        lemmatize = self.lemmatize
        tokens = []
        for token in _get_kiwi().tokenize(text):
            tag = token.tag.split("-", 1)[0]  # "VV-I" -> "VV"
            if tag in keep:
                form = token.form
                tokens.append(form + "다" if lemmatize and tag[0] == "V" else form)
        return tokens
