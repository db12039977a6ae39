"""What the EDC's lower services announce, so that the services above them (protocol deviations, the SAE
desk's e-mail) react without the lower services importing them.

``subject_data_saved`` is sent, inside the saving transaction, after any save of a subject's data (an eCRF,
an enrolment) with ``subject``, ``user`` and, when the save loaded them, ``forms`` (the typed casebook) and
``records`` (its rows), so that receivers need not load them again.
"""

from __future__ import annotations

from django.dispatch import Signal

subject_data_saved = Signal()
