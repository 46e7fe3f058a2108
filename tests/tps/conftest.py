"""Fixtures for TPS tests: the region rows TPS point at."""

from tps.support import regions as regions
