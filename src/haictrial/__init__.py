"""haictrial: the CHALLENGE-A1 trial (NCT06988852) end to end, with the protocol as data."""

__version__ = "0.1.0"
