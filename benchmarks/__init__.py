"""Benchmarks of the course: the data loader and each chapter's wall time and peak memory (see README.md)."""
