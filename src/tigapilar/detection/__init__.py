"""Detectors of early warning: pure computations over arrays; no database."""
