"""Morphologic response of colorectal liver metastases on bevacizumab-containing chemotherapy (Chun 2009).

Chun et al. graded each metastasis on portal-venous CT by its attenuation and its tumour-liver
interface, independently of its size:

- **group 1**: homogeneous low attenuation with a thin, sharply defined tumour-liver interface;
- **group 3**: heterogeneous attenuation with a thick, poorly defined tumour-liver interface;
- **group 2**: heterogeneous attenuation and an interface between those of groups 1 and 3.

and defined the response between baseline and a follow-up scan as:

- **optimal** morphologic response: change from group 3 or 2 to group 1;
- **incomplete** morphologic response: change from group 3 to group 2;
- **no** morphologic response: no change, or a change to a higher group.

Our patient-level rule (the paper graded the metastases of each patient together; our input gives a
group per lesion): the patient's group at a time point is the *highest* (worst) group among the
lesions graded at baseline, so an optimal response needs every such lesion in group 1, and an
incomplete response needs every lesion at group 2 or better after a group-3 baseline. A time point
that does not grade every lesion graded at baseline has no morphologic response (null): a missing
lesion cannot be assumed to have improved. The best morphologic response is the best over the
follow-up time points (optimal > incomplete > none).

References
----------
Chun YS, Vauthey JN, Boonsirikamchai P, et al. Association of computed tomography morphologic
criteria with pathologic response and survival in patients treated with bevacizumab for colorectal
liver metastases. JAMA 2009;302(21):2338-44. doi:10.1001/jama.2009.1755
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum, StrEnum


class MorphologyGroup(IntEnum):
    """CT morphology group of a liver metastasis (Chun et al., JAMA 2009)."""

    GROUP_1 = 1
    """Homogeneous low attenuation, thin sharply defined tumour-liver interface."""
    GROUP_2 = 2
    """Heterogeneous attenuation, interface between groups 1 and 3."""
    GROUP_3 = 3
    """Heterogeneous attenuation, thick poorly defined tumour-liver interface."""


class MorphologicResponse(StrEnum):
    """Morphologic response categories of Chun et al. (JAMA 2009)."""

    optimal = "optimal"
    incomplete = "incomplete"
    none = "none"


_RANK = {MorphologicResponse.none: 0, MorphologicResponse.incomplete: 1, MorphologicResponse.optimal: 2}


def patient_group(groups: Mapping[str, MorphologyGroup] | Iterable[MorphologyGroup]) -> MorphologyGroup:
    """The patient's group: the highest (worst) group among the lesions.

    References: Chun et al., JAMA 2009;302:2338 (groups 1-3); patient-level rule documented in this module.
    """
    values = list(groups.values()) if isinstance(groups, Mapping) else list(groups)
    if not values:
        raise ValueError("no lesion graded: a patient group needs at least one lesion")
    return MorphologyGroup(max(int(v) for v in values))


def morphologic_response(baseline: MorphologyGroup, current: MorphologyGroup) -> MorphologicResponse:
    """Chun's response from the baseline group to the follow-up group.

    Optimal: group 3 or 2 -> group 1. Incomplete: group 3 -> group 2. None: no change or a higher group
    (a baseline group 1 can only stay or worsen: none).

    References: Chun et al., JAMA 2009;302:2338, doi:10.1001/jama.2009.1755.
    """
    if baseline in (MorphologyGroup.GROUP_2, MorphologyGroup.GROUP_3) and current == MorphologyGroup.GROUP_1:
        return MorphologicResponse.optimal
    if baseline == MorphologyGroup.GROUP_3 and current == MorphologyGroup.GROUP_2:
        return MorphologicResponse.incomplete
    return MorphologicResponse.none


def assess_morphology(
    baseline: Mapping[str, MorphologyGroup], current: Mapping[str, MorphologyGroup] | None
) -> tuple[MorphologyGroup | None, MorphologicResponse | None]:
    """Patient group and morphologic response at one follow-up time point.

    ``(None, None)`` when the time point does not grade every lesion graded at baseline.
    """
    if not baseline or current is None or any(lesion not in current for lesion in baseline):
        return None, None
    now = patient_group([current[lesion] for lesion in baseline])
    return now, morphologic_response(patient_group(baseline), now)


def best_morphologic_response(responses: Iterable[MorphologicResponse | None]) -> MorphologicResponse | None:
    """The best response over the time points (optimal > incomplete > none); None if none was evaluable."""
    evaluable = [r for r in responses if r is not None]
    if not evaluable:
        return None
    return max(evaluable, key=lambda r: _RANK[r])
