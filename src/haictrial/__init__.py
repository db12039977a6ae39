"""haictrial: the CHALLENGE-A1 trial (NCT06988852) end to end, with the protocol as data."""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``screen_document`` and ``prescreen_table`` (docs/contracts/prescreen.md), imported on first use so that
    ``import haictrial`` stays fast."""
    if name in ("screen_document", "prescreen_table"):
        from haictrial.interop import prescreen

        return getattr(prescreen, name)
    raise AttributeError(f"module 'haictrial' has no attribute {name!r}")
