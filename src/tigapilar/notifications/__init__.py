"""Notifications: an in-app inbox per user, signed webhooks and email, sent from an outbox in the
database (no broker): ``publish`` writes in the caller's transaction, ``deliver_due`` sends later,
retrying with back-off and logging every attempt. See docs/notifications.md."""
