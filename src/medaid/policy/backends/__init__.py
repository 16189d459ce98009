"""Batch backends: each executes the compiler's SQL on one engine (DuckDB in-process, Spark local)."""
