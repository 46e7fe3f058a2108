"""TPS registry: the polling stations of each election, their voter counts and where they are."""
