"""Choice of the targeted agent: bevacizumab or cetuximab, from sidedness and RAS/BRAF status.

CHALLENGE-A1 (NCT06988852, registered arm description): bevacizumab when the primary is right-sided
or KRAS, NRAS or BRAF is mutant; otherwise (left-sided, all wild type) cetuximab. Left-sided with a
test missing and none mutant: no agent can be chosen, and the reason names the missing test.
Sidedness comes from the protocol (``targeted_agent.right_sided_sites``/``left_sided_sites``); the
splenic flexure is classed by the site setting ``splenic_flexure_side`` and the reason says so.

References
----------
- ClinicalTrials.gov NCT06988852, arm "HAIC-FOLFOX plus bevacizumab or cetuximab"; docs/contracts/plan.md.
- Sidedness and anti-EGFR benefit: Arnold D et al. Ann Oncol 2017;28:1713-29 (doi:10.1093/annonc/mdx175).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from haictrial.clinical.messages import N_, ReasonPart, join, part
from haictrial.clinical.patient import Patient
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.enums import Drug, MutationStatus, PrimarySite, Sidedness


class TargetedAgentChoice(BaseModel):
    """The targeted agent (None: cannot be chosen), why, and the sidedness used (None: unknown).

    ``reason`` is the English reason (docs/contracts/plan.md); ``reason_parts`` the same reason as
    translatable parts (:mod:`haictrial.clinical.messages`): ``reason == join(reason_parts)``.
    """

    model_config = ConfigDict(frozen=True)

    agent: Drug | None
    reason: str
    right_sided: bool | None
    reason_parts: list[ReasonPart] = Field(default_factory=list)


#: The primary sites in words (``site_term`` parameters), marked for the catalogue.
SITE_TERMS = (
    N_("cecum"),
    N_("ascending colon"),
    N_("hepatic flexure"),
    N_("transverse colon"),
    N_("splenic flexure"),
    N_("descending colon"),
    N_("sigmoid colon"),
    N_("rectosigmoid"),
    N_("rectum"),
)


def site_words(site: PrimarySite) -> str:
    """``sigmoid_colon`` -> ``sigmoid colon``."""
    return site.value.replace("_", " ")


def sidedness_part(site: PrimarySite, protocol: Protocol) -> tuple[bool | None, ReasonPart]:
    """(right-sided?, description) of a primary site under ``protocol``; None when the protocol does not class it."""
    rule = protocol.targeted_agent
    if site == PrimarySite.splenic_flexure:
        side = protocol.settings.splenic_flexure_side.value
        right = protocol.is_right_sided(site)
        if side == "right":
            text = N_("right-sided primary (splenic flexure, classed right by site setting splenic_flexure_side)")
        else:
            text = N_("left-sided primary (splenic flexure, classed left by site setting splenic_flexure_side)")
        return right, part(text)
    if site in rule.right_sided_sites:
        return True, part(N_("right-sided primary ({site_term})"), site_term=site_words(site))
    if site in rule.left_sided_sites:
        return False, part(N_("left-sided primary ({site_term})"), site_term=site_words(site))
    return None, part(
        N_("primary site {site_term} is not classed as right or left by the protocol"), site_term=site_words(site)
    )


def sidedness(site: PrimarySite, protocol: Protocol) -> tuple[bool | None, str]:
    """(right-sided?, description in English) of a primary site; see :func:`sidedness_part`."""
    right, side = sidedness_part(site, protocol)
    return right, side.text


def primary_side(site: PrimarySite | None, protocol: Protocol) -> Sidedness | None:
    """Right or left for a primary ``site`` under ``protocol``; None when the site is not reported or the
    protocol classes it neither way (unknown stays unknown, never a silent left).

    References
    ----------
    Protocol ``targeted_agent.right_sided_sites`` / ``left_sided_sites`` and ``settings.splenic_flexure_side``;
    Arnold D et al. Ann Oncol 2017;28:1713-29 (doi:10.1093/annonc/mdx175).
    """
    if site is None:
        return None
    right, _ = sidedness_part(site, protocol)
    return None if right is None else (Sidedness.right if right else Sidedness.left)


def ras_status(kras: MutationStatus | None, nras: MutationStatus | None) -> MutationStatus:
    """RAS status from the KRAS and NRAS results: mutant if either is mutant, wild type only if both were tested
    wild type, otherwise unknown (an untested gene never reads as wild type).

    References
    ----------
    Van Cutsem E et al. ESMO consensus guidelines for the management of patients with metastatic colorectal
    cancer. Ann Oncol 2016;27:1386-1422 (doi:10.1093/annonc/mdw235): RAS testing covers KRAS and NRAS; any
    RAS mutation excludes anti-EGFR therapy.
    """
    genes = (kras, nras)
    if MutationStatus.mutant in genes:
        return MutationStatus.mutant
    if all(g == MutationStatus.wild_type for g in genes):
        return MutationStatus.wild_type
    return MutationStatus.unknown


def _join_genes(genes: Sequence[str]) -> str:
    return ", ".join(g.upper() for g in genes)


def _choice(agent: Drug | None, parts: list[ReasonPart], right_sided: bool | None) -> TargetedAgentChoice:
    return TargetedAgentChoice(agent=agent, reason=join(parts), right_sided=right_sided, reason_parts=parts)


def choose_targeted_agent(patient: Patient, protocol: Protocol) -> TargetedAgentChoice:
    """Bevacizumab, cetuximab or None (cannot be chosen), with the reason in clinical words.

    The reason is the sidedness, then the mutant, wild-type and untested genes (gene names stay
    English: they are codes); when no agent can be chosen, the last gene part also says why.

    References
    ----------
    NCT06988852 registered arm; docs/contracts/plan.md "Rules"; protocol section ``targeted_agent``.
    """
    rule = protocol.targeted_agent
    status = {gene: getattr(patient.molecular, gene) for gene in rule.genes}
    mutant = [g for g in rule.genes if status[g] == MutationStatus.mutant]
    wild = [g for g in rule.genes if status[g] == MutationStatus.wild_type]
    missing = [g for g in rule.genes if status[g] in (None, MutationStatus.unknown)]

    site = patient.primary_tumor.site
    if site is None:
        right_sided, side = None, part(N_("primary tumour site not reported (primary_tumor.site)"))
    else:
        right_sided, side = sidedness_part(site, protocol)
    parts = [side]
    if mutant:
        parts.append(part(N_("{genes} mutant"), genes=_join_genes(mutant)))

    if right_sided or mutant:
        if wild:
            parts.append(part(N_("{genes} wild type"), genes=_join_genes(wild)))
        if missing:
            parts.append(part(N_("{genes} not tested or unknown"), genes=_join_genes(missing)))
        return _choice(rule.if_right_sided_or_mutant, parts, right_sided)
    # No gene is mutant from here on; the last gene part carries why no agent can be chosen, if so.
    if right_sided is None:
        if missing:
            if wild:
                parts.append(part(N_("{genes} wild type"), genes=_join_genes(wild)))
            parts.append(
                part(
                    N_("{genes} not tested or unknown: sidedness decides the agent when no gene is mutant"),
                    genes=_join_genes(missing),
                )
            )
        else:
            parts.append(
                part(
                    N_("{genes} wild type: sidedness decides the agent when no gene is mutant"),
                    genes=_join_genes(wild),
                )
            )
        return _choice(None, parts, None)
    if wild:
        parts.append(part(N_("{genes} wild type"), genes=_join_genes(wild)))
    if missing:
        fields = ", ".join(f"molecular.{g}" for g in missing)
        parts.append(
            part(
                N_(
                    "{genes} not tested or unknown: cetuximab needs {required_genes} wild type; "
                    "missing test: {genes} ({fields})"
                ),
                genes=_join_genes(missing),
                required_genes=_join_genes(rule.genes),
                fields=fields,
            )
        )
        return _choice(None, parts, False)
    return _choice(rule.otherwise, parts, False)
