"""Knowledge base tests: corpus, chunking, ingestion, hybrid retrieval, Chroma server, CLI."""
