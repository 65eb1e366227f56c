"""Benchmarks: ingest, retrieval at scale, answer latency, against the textbook pipeline."""
