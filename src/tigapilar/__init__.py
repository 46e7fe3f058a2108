"""tigapilar: election security for Indonesian police and the three village pillars."""

__version__ = "0.1.0"
