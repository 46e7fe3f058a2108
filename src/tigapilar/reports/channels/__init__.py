"""Channel adapters: each reads its own payloads (ODK XML, coded SMS) into a ``Submission``."""
