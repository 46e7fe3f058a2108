"""Fixtures for organisation tests: the region rows unit areas and officer villages point at."""

from tps.support import regions as regions
