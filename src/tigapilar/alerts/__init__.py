"""Early warning and response (cegah dini): detectors find trouble in the reports and the index,
overlapping findings become one alert, the alert goes to the units of its place, and its response
is tracked through deadlines, escalation and an action log to its closing."""
