"""The vocabulary every layer shares, below the protocol and the clinical engines: units and their
conversions (:mod:`.units`), the coded values (:mod:`.enums`) and the strict model base (:mod:`.base`)."""
