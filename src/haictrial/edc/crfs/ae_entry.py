"""The adverse-event term as entered on its eCRF page: chosen from the CTCAE v5.0 vocabulary (type-ahead over
:func:`haictrial.clinical.ctcae_soc.entry_terms`), its system organ class derived, or "Other, specify" with a
chosen system organ class and the verbatim term. The protocol's pre-listed grouping terms
(:data:`haictrial.clinical.adverse_events.KNOWN_TERMS`, used by its dose-modification rules) are accepted too.

The page only: the API keeps accepting a free-text term, which the core flags (``pre_listed`` False).

References: CTCAE v5.0 (NCI, 27 Nov 2017), terms by system organ class and the "Other, specify" convention.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haictrial.clinical.adverse_events import KNOWN_TERMS, known_term
from haictrial.clinical.crf_base import FormName
from haictrial.clinical.ctcae_soc import TermEntryError, entry_terms, resolve_entered_term
from haictrial.errors import InputError

#: The type-ahead list of the term input: CTCAE v5.0 terms, "Other, specify" forms, the protocol's groupings.
TERM_CHOICES: tuple[str, ...] = (*entry_terms(), *(k.term for k in KNOWN_TERMS if not k.ctcae_v5))


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a no-op marker
    return message


#: TermEntryError.reason -> the message shown (gettext msgid with the error's params).
MESSAGES = {
    "not_a_soc": N_("%(soc)s is not a CTCAE v5.0 system organ class"),
    "other_needs_soc": N_("'Other, specify' needs its system organ class: choose one"),
    "needs_verbatim": N_("'Other, specify' needs the verbatim term"),
    "not_a_term": N_(
        "%(term)s is not a CTCAE v5.0 term: choose one from the list, or 'Other, specify' with its system organ "
        "class and the verbatim term"
    ),
    "wrong_soc": N_("%(term)s belongs to %(soc)s in CTCAE v5.0: choose that system organ class or none"),
}


def entered_payload(form: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with the AE term resolved (canonical term, system organ class); other forms unchanged.

    Raises :class:`haictrial.errors.InputError` on ``term``, ``system_organ_class`` or ``verbatim``.
    """
    if form != FormName.adverse_events.value:
        return payload
    term, soc = payload.get("term"), payload.get("system_organ_class")
    grouping = known_term(term) if isinstance(term, str) else None
    if grouping is not None and not grouping.ctcae_v5:
        return {**payload, "term": grouping.term}
    try:
        resolved_term, resolved_soc = resolve_entered_term(term, soc, payload.get("verbatim"))
    except TermEntryError as exc:
        raise InputError(_(MESSAGES[exc.reason]) % exc.params, field=exc.field) from None
    # The SOC is stored as chosen (checked against the term); a term names its own SOC (derived view).
    out = {**payload, "term": resolved_term, "system_organ_class": resolved_soc if soc else None}
    return {key: value for key, value in out.items() if value is not None}
