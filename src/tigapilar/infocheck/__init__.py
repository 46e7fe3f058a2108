"""Information validation (anti-hoax, *validasi informasi*): claims circulating in villages are
normalised, grouped with their near-duplicate variants, matched to known clarifications, judged by
an analyst, and answered through the officers of every village where they were seen.

Pure text work (``text``, ``minhash``, ``grouping``, ``embedding``, ``matching``) knows nothing of the
database; the services on top of it (``claims``, ``groups``, ``workflow``, ``clarifications``,
``spread``) keep the record.
"""
