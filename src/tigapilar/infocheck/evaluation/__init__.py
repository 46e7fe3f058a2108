"""Quality of grouping and of matching on labelled data: precision and recall per threshold.

Used by the tests (which hold the figures above chosen floors), by ``docs/infocheck-quality.md`` and
by a Polda that wants to measure the thresholds on claims of its own.
"""
