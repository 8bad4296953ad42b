"""Neural topic models: text and document-term counts -> topic weights.

- :class:`NeuralTopicModel`: document-term counts -> topic weights (ProdLDA or
  NVDM), a scikit-learn transformer like ``LatentDirichletAllocation``.
- :class:`TopicVectorizer`: raw text -> topic weights (a ``CountVectorizer``
  followed by a :class:`NeuralTopicModel`).
"""

from ._embeddings import ppmi_word_embeddings
from ._neural_topic_model import NeuralTopicModel
from ._topic_vectorizer import TopicVectorizer

__all__ = ["NeuralTopicModel", "TopicVectorizer", "ppmi_word_embeddings"]
