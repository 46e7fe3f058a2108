"""Vulnerability (kerawanan) of every TPS and region: profiles as data, live scores, explanations."""
