"""The demo: a province's real region codes with generated TPS, organisation, officers and accounts."""
