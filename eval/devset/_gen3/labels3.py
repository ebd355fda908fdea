"""Filled by common3.label(); lib.build() imports it as `labels`."""
EXPECTED = {}
