"""Neural topic models: text and document-term counts -> topic weights.

- :class:`NeuralTopicModel`: document-term counts -> topic weights (ProdLDA or
  NVDM), a scikit-learn transformer like ``LatentDirichletAllocation``.
- :class:`TopicVectorizer`: raw text -> topic weights (a ``CountVectorizer``
  followed by a :class:`NeuralTopicModel`); ``tokenizer="kiwi"`` for Korean.
- :func:`build_vocabulary` and :class:`CorpusStatistics`: corpora larger
  than memory, streamed chunk by chunk (``TopicVectorizer.fit_stream``,
  ``partial_fit``, ``transform_stream``).
- :class:`KiwiTokenizer`: Korean content morphemes with the Kiwi analyser
  (optional ``kiwipiepy``: ``pip install "skforecast_ntm[korean]"``).
"""

from ._embeddings import ppmi_word_embeddings
from ._neural_topic_model import NeuralTopicModel
from ._streaming import CorpusStatistics, build_vocabulary
from ._tokenizers import KiwiTokenizer
from ._topic_vectorizer import TopicVectorizer

__all__ = [
    "CorpusStatistics",
    "KiwiTokenizer",
    "NeuralTopicModel",
    "TopicVectorizer",
    "build_vocabulary",
    "ppmi_word_embeddings",
]
