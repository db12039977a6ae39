"""The trial the EDC runs: the one protocol singleton and the engine constants every EDC module imports.

- :func:`protocol`: the protocol file in force (``HAICTRIAL_PROTOCOL``, default the bundled CHALLENGE-A1
  file), loaded once per process.
- :data:`ENGINE_VERSION`: stored beside every derived value, screening verdict and eCRF record, with the
  protocol version that produced it.
- :data:`MAX_CYCLE`: the highest HAIC cycle number the EDC stores or plans.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from haictrial import __version__
from haictrial.protocol import load_protocol
from haictrial.protocol.schema import Protocol

ENGINE_VERSION = __version__

#: The highest cycle number the EDC accepts (in the eCRF, the plan and the pages). The protocol sets no
#: maximum number of HAIC cycles (cycles continue until resection, progression or toxicity), so this is a
#: range limit, not a clinical one: far beyond any course, and well inside the 32-bit ``cycle`` column.
MAX_CYCLE = 1000


@lru_cache(maxsize=1)
def protocol() -> Protocol:
    """The protocol the EDC runs (``HAICTRIAL_PROTOCOL``, default the bundled CHALLENGE-A1 file)."""
    return load_protocol(settings.HAICTRIAL_PROTOCOL)
