"""Benchmarks for the Ring Partner integration, run against the simulator."""
