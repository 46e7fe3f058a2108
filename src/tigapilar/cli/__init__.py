"""The ``tigapilar`` command line."""
