"""Helpers shared by every test folder: real Kaltim region rows and a settable clock."""
