"""Offline copies of the warehouse for analysis: Parquet files and a DuckDB catalog over them."""
