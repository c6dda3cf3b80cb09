"""Retrieval evaluation: the question set (questions.yaml) and its scorer (recall@k, MRR, unanswerable detection)."""
