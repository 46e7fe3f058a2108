"""Field reports (deteksi dini) from the three pillars, on every channel: journaled, validated,
idempotent, verified. Channels (ODK, SMS, web, API) turn their payloads into one ``ReportDraft``."""
