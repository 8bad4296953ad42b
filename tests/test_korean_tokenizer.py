"""Korean with ``TopicVectorizer(tokenizer="kiwi")``; Chinese and Japanese with
character n-grams."""

import pickle
import sys
import warnings

import numpy as np
import pytest
from conftest import TOPIC_FAST as FAST
from scipy.optimize import linear_sum_assignment
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from skforecast_ntm.topics import KiwiTokenizer, TopicVectorizer, _tokenizers


def matched_accuracy(theta, labels):
    """Accuracy of the dominant topic after the best one-to-one matching of
    topics to labels (Hungarian algorithm), and the matching {label: topic}."""
    names, y = np.unique(labels, return_inverse=True)
    confusion = np.zeros((len(names), theta.shape[1]))
    np.add.at(confusion, (y, theta.argmax(axis=1)), 1)
    rows, cols = linear_sum_assignment(-confusion)
    matching = {str(names[r]): int(c) for r, c in zip(rows, cols)}
    return confusion[rows, cols].sum() / len(labels), matching


# ----------------------------------------------------------------------- Korean
# per topic: nouns, and verbs / adjectives each as a list of inflected forms
# (past -었다, polite -습니다, adnominal -는/-ㄴ, connective -고, -어)
KO_TOPICS = {
    "economy": (
        "주식 금리 주가 환율 증시 투자 은행 수출 물가 기업".split(),
        {
            "오르다": ["올랐다", "오릅니다", "오르는", "오르고", "올라"],
            "떨어지다": ["떨어졌다", "떨어집니다", "떨어지는", "떨어지고", "떨어져"],
            "내리다": ["내렸다", "내립니다", "내리는", "내리고", "내려"],
        },
    ),
    "sports": (
        "축구 야구 선수 경기 감독 리그 우승 골 관중 시즌".split(),
        {
            "이기다": ["이겼다", "이깁니다", "이기는", "이기고", "이겨"],
            "넣다": ["넣었다", "넣습니다", "넣는", "넣고", "넣어"],
            "지다": ["졌다", "집니다", "지는", "지고", "져"],
        },
    ),
    "weather": (
        "날씨 비 태풍 기온 바람 눈 장마 폭우 하늘 기상청".split(),
        {
            "불다": ["불었다", "붑니다", "부는", "불고", "불어"],
            "춥다": ["추웠다", "춥습니다", "추운", "춥고", "추워"],
            "흐리다": ["흐렸다", "흐립니다", "흐린", "흐리고", "흐려"],
        },
    ),
    "politics": (
        "정치 선거 국회 대통령 정당 의원 투표 후보 장관 여당".split(),
        {
            "뽑다": ["뽑았다", "뽑습니다", "뽑는", "뽑고", "뽑아"],
            "열리다": ["열렸다", "열립니다", "열리는", "열리고", "열려"],
            "싸우다": ["싸웠다", "싸웁니다", "싸우는", "싸우고", "싸워"],
        },
    ),
}
# words of every topic
KO_GENERIC_NOUNS = "오늘 정부 발표 전망 지난해 관계자 지역 문제 시작 결과".split()
KO_GENERIC_VERBS = [
    ["했다", "합니다", "하는", "하고", "해"],
    ["밝혔다", "밝힙니다", "밝히는", "밝히고", "밝혀"],
]
# particles (josa): pairs chosen by whether the noun ends in a consonant
PARTICLE_PAIRS = [
    ("이", "가"), ("을", "를"), ("은", "는"), ("과", "와"), ("으로", "로")
]
INVARIANT_PARTICLES = ["에서", "의", "도", "에", "까지", "부터", "만"]


def _with_particle(noun, rng):
    choice = rng.randint(len(PARTICLE_PAIRS) + len(INVARIANT_PARTICLES))
    if choice >= len(PARTICLE_PAIRS):
        return noun + INVARIANT_PARTICLES[choice - len(PARTICLE_PAIRS)]
    has_batchim = (ord(noun[-1]) - 0xAC00) % 28 != 0
    return noun + PARTICLE_PAIRS[choice][0 if has_batchim else 1]


def make_korean_headlines(n_per_topic=50, seed=0):
    """Short headlines: 3 topic nouns and 2 shared nouns, each with a random
    particle, a topic verb and a shared verb, each with a random ending, so
    that each word has up to 12 (nouns) or 5 (verbs) whitespace forms."""
    rng = np.random.RandomState(seed)
    docs, labels = [], []
    for label, (nouns, verbs) in KO_TOPICS.items():
        verb_forms = list(verbs.values())
        for _ in range(n_per_topic):
            words = [_with_particle(n, rng) for n in rng.choice(nouns, 3, False)]
            words += [
                _with_particle(n, rng) for n in rng.choice(KO_GENERIC_NOUNS, 2, False)
            ]
            rng.shuffle(words)
            verb = verb_forms[rng.randint(len(verb_forms))]
            words.insert(rng.randint(1, len(words)), verb[rng.randint(len(verb))])
            generic = KO_GENERIC_VERBS[rng.randint(len(KO_GENERIC_VERBS))]
            words.append(generic[rng.randint(len(generic))])
            docs.append(" ".join(words))
            labels.append(label)
    order = rng.permutation(len(docs))
    return [docs[i] for i in order], np.array(labels)[order]


@pytest.fixture(scope="module")
def kiwi():
    pytest.importorskip("kiwipiepy")


def test_kiwi_tokens_of_a_sentence(kiwi):
    tokens = KiwiTokenizer()("삼성전자의 주가가 크게 올랐다")
    assert {"삼성전자", "주가", "오르다"} <= set(tokens)
    assert not {"의", "가", "었", "다", "올랐다"} & set(tokens)  # particles, endings
    # irregular conjugations ("VA-I"), foreign words, lemmatize=False, other tags
    assert KiwiTokenizer()("추웠던 날씨에 Apple 주식을 샀습니다") == [
        "춥다", "날씨", "Apple", "주식", "사다"
    ]
    assert KiwiTokenizer(lemmatize=False)("주가가 올랐다") == ["주가", "오르"]
    assert KiwiTokenizer(pos=("VV",))("주가가 올랐다") == ["오르다"]
    assert KiwiTokenizer()("") == []


def test_kiwi_bad_pos(kiwi):
    with pytest.raises(ValueError, match=r"Unknown Kiwi part-of-speech tag.*'NNN'"):
        KiwiTokenizer(pos=["NNG", "NNN"])("주가")
    with pytest.raises(TypeError, match="pos must be a list"):
        KiwiTokenizer(pos="NNG")("주가")


def test_kiwi_recovers_topics_better_than_whitespace_tokens(kiwi):
    docs, labels = make_korean_headlines()
    scores, fitted = {}, {}
    for name, params in [("words", {}), ("kiwi", {"tokenizer": "kiwi"})]:
        tv = TopicVectorizer(n_components=4, **params, **FAST)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. no unused token_pattern warning
            theta = tv.fit_transform(docs)
        scores[name], matching = matched_accuracy(theta, labels)
        fitted[name] = tv, matching
    # measured (seed 0): words 0.56, kiwi 1.0 (seeds 0-2: words 0.34-0.66, kiwi 1.0)
    assert scores["kiwi"] >= 0.95
    assert scores["kiwi"] - scores["words"] >= 0.25
    tv, matching = fitted["kiwi"]
    vocab = tv.vectorizer_.vocabulary_
    # one term per word, whatever its particle or ending
    assert 4 * len(vocab) < len(fitted["words"][0].vectorizer_.vocabulary_)
    assert "주가" in vocab and "오르다" in vocab and "주가가" not in vocab
    top = tv.get_top_words(n_words=5)
    for label, (nouns, verbs) in KO_TOPICS.items():
        assert set(top[matching[label]]) <= set(nouns) | set(verbs)


def test_kiwi_string_option_params_clone_and_pickle(kiwi, monkeypatch):
    docs, _ = make_korean_headlines(n_per_topic=10)
    tv = TopicVectorizer(n_components=4, tokenizer="kiwi", **{**FAST, "max_epochs": 3})
    assert tv.get_params()["tokenizer"] == "kiwi"
    assert clone(tv).get_params()["tokenizer"] == "kiwi"
    theta = tv.fit_transform(docs)
    assert isinstance(tv.vectorizer_.tokenizer, KiwiTokenizer)
    assert tv.vectorizer_.token_pattern is None
    blob = pickle.dumps(tv)
    assert len(blob) < 1_000_000  # the analyser (~90 MB model) is not pickled
    monkeypatch.setattr(_tokenizers, "_KIWI", {})  # as in a fresh process
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.transform(docs), theta)
    assert "kiwi" in _tokenizers._KIWI  # rebuilt on first use

    # an instance: nested parameters, clone and pickle keep them
    tv = TopicVectorizer(tokenizer=KiwiTokenizer(pos=["NNG"]))
    assert tv.get_params()["tokenizer__pos"] == ["NNG"]
    tv.set_params(tokenizer__pos=["NNG", "VV"], tokenizer__lemmatize=False)
    copy = clone(tv)
    assert copy.tokenizer is not tv.tokenizer
    assert copy.tokenizer.get_params() == {"pos": ["NNG", "VV"], "lemmatize": False}
    tokenizer = pickle.loads(pickle.dumps(copy.tokenizer))
    assert tokenizer("주가가 올랐다") == ["주가", "오르"]


def test_unknown_tokenizer_string():
    with pytest.raises(InvalidParameterError, match=r"tokenizer.*\{'kiwi'\}") as err:
        TopicVectorizer(tokenizer="mecab").fit(["주가 금리", "축구 야구"])
    assert isinstance(err.value, ValueError)


def test_import_error_names_the_install_command(monkeypatch):
    monkeypatch.setattr(_tokenizers, "_KIWI", {})
    monkeypatch.setitem(sys.modules, "kiwipiepy", None)  # import -> ImportError
    match = r'kiwipiepy.*pip install "skforecast_ntm\[korean\]".*pip install kiwipiepy'
    with pytest.raises(ImportError, match=match):
        KiwiTokenizer()("주가가 올랐다")
    with pytest.raises(ImportError, match=match):
        TopicVectorizer(tokenizer="kiwi", max_epochs=1).fit(["주가가 올랐다"])


# ---------------------------------------------------- Chinese and Japanese
ZH_TOPICS = {
    "economy": "股票 利率 股市 汇率 投资 银行 出口 物价 企业 经济".split(),
    "sports": "足球 篮球 球员 比赛 教练 联赛 冠军 进球 球迷 赛季".split(),
    "weather": "天气 下雨 台风 气温 大风 降雪 暴雨 气象 晴朗 寒冷".split(),
}
ZH_GENERIC = "今天 政府 发布 表示 预计 去年 地区 问题".split()
ZH_GLUE = list("的了在和是也都将")
JA_TOPICS = {
    "economy": "株価 金利 為替 投資 銀行 輸出 物価 企業 経済 市場".split(),
    "sports": "サッカー 野球 選手 試合 監督 リーグ 優勝 ゴール 観客 シーズン".split(),
    "weather": "天気 雨 台風 気温 強風 雪 大雨 気象庁 晴れ 梅雨".split(),
}
JA_GENERIC = "今日 政府 発表 見通し 昨年 地域 問題 関係者".split()
JA_GLUE = "は が を に で の も と へ".split()  # particles
JA_ENDINGS = ["した。", "しました。", "する。", "している。", "です。"]


def make_unspaced_docs(topics, generic, glue, endings, n_per_topic=40, seed=0):
    """Sentences without spaces: 4 topic words and 2 shared words, each
    followed by a random function word or particle."""
    rng = np.random.RandomState(seed)
    docs, labels = [], []
    for label, words in topics.items():
        for _ in range(n_per_topic):
            chosen = [*rng.choice(words, 4, False), *rng.choice(generic, 2, False)]
            rng.shuffle(chosen)
            text = "".join(w + rng.choice(glue) for w in chosen)
            docs.append(text + rng.choice(endings))
            labels.append(label)
    return docs, np.array(labels)


@pytest.mark.parametrize(
    "topics, corpus",
    [
        (ZH_TOPICS, (ZH_TOPICS, ZH_GENERIC, ZH_GLUE, ["。"])),
        (JA_TOPICS, (JA_TOPICS, JA_GENERIC, JA_GLUE, JA_ENDINGS)),
    ],
    ids=["chinese", "japanese"],
)
def test_character_ngrams_recover_unspaced_topics(topics, corpus):
    docs, labels = make_unspaced_docs(*corpus)
    tv = TopicVectorizer(
        n_components=3, analyzer="char_wb", ngram_range=(2, 2), min_df=2, **FAST
    )
    accuracy, matching = matched_accuracy(tv.fit_transform(docs), labels)
    assert accuracy >= 0.95  # measured 1.0 (seeds 0-2); word tokens: 1/3
    top = tv.get_top_words(n_words=3)
    for label, words in topics.items():
        # every top bigram is part of a word of its topic
        assert all(any(gram in w for w in words) for gram in top[matching[label]])
