"""Benchmarks: quality and speed, with baselines run side by side in the same process."""
