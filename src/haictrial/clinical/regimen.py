"""Choice of the targeted agent: bevacizumab or cetuximab, from sidedness and RAS/BRAF status.

CHALLENGE-A1 (NCT06988852, registered arm description): bevacizumab when the primary is right-sided
or KRAS, NRAS or BRAF is mutant; otherwise (left-sided, all wild type) cetuximab. Left-sided with a
test missing and none mutant: no agent can be chosen, and the reason names the missing test.
Sidedness comes from the protocol (``targeted_agent.right_sided_sites``/``left_sided_sites``); the
splenic flexure is classed by the site setting ``splenic_flexure_side`` and the reason says so.

References
----------
- ClinicalTrials.gov NCT06988852, arm "HAIC-FOLFOX plus bevacizumab or cetuximab"; contracts/plan.md.
- Sidedness and anti-EGFR benefit: Arnold D et al. Ann Oncol 2017;28:1713-29 (doi:10.1093/annonc/mdx175).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from haictrial.clinical.patient import Drug, MutationStatus, Patient, PrimarySite
from haictrial.protocol.schema import Protocol


class TargetedAgentChoice(BaseModel):
    """The targeted agent (None: cannot be chosen), why, and the sidedness used (None: unknown)."""

    model_config = ConfigDict(frozen=True)

    agent: Drug | None
    reason: str
    right_sided: bool | None


def site_words(site: PrimarySite) -> str:
    """``sigmoid_colon`` -> ``sigmoid colon``."""
    return site.value.replace("_", " ")


def sidedness(site: PrimarySite, protocol: Protocol) -> tuple[bool | None, str]:
    """(right-sided?, description) of a primary site under ``protocol``; None when the protocol does not class it."""
    rule = protocol.targeted_agent
    if site == PrimarySite.splenic_flexure:
        side = protocol.settings.splenic_flexure_side.value
        right = protocol.is_right_sided(site)
        return right, f"{side}-sided primary (splenic flexure, classed {side} by site setting splenic_flexure_side)"
    if site in rule.right_sided_sites:
        return True, f"right-sided primary ({site_words(site)})"
    if site in rule.left_sided_sites:
        return False, f"left-sided primary ({site_words(site)})"
    return None, f"primary site {site_words(site)} is not classed as right or left by the protocol"


def _join_genes(genes: Sequence[str]) -> str:
    return ", ".join(g.upper() for g in genes)


def choose_targeted_agent(patient: Patient, protocol: Protocol) -> TargetedAgentChoice:
    """Bevacizumab, cetuximab or None (cannot be chosen), with the reason in clinical words.

    References
    ----------
    NCT06988852 registered arm; contracts/plan.md "Rules"; protocol section ``targeted_agent``.
    """
    rule = protocol.targeted_agent
    status = {gene: getattr(patient.molecular, gene) for gene in rule.genes}
    mutant = [g for g in rule.genes if status[g] == MutationStatus.mutant]
    wild = [g for g in rule.genes if status[g] == MutationStatus.wild_type]
    missing = [g for g in rule.genes if status[g] in (None, MutationStatus.unknown)]

    gene_parts = []
    if mutant:
        gene_parts.append(f"{_join_genes(mutant)} mutant")
    if wild:
        gene_parts.append(f"{_join_genes(wild)} wild type")
    if missing:
        gene_parts.append(f"{_join_genes(missing)} not tested or unknown")
    genes_text = "; ".join(gene_parts)

    site = patient.primary_tumor.site
    if site is None:
        right_sided, side_text = None, "primary tumour site not reported (primary_tumor.site)"
    else:
        right_sided, side_text = sidedness(site, protocol)
    reason = f"{side_text}; {genes_text}"

    if right_sided or mutant:
        return TargetedAgentChoice(agent=rule.if_right_sided_or_mutant, reason=reason, right_sided=right_sided)
    if right_sided is None:
        need = "sidedness decides the agent when no gene is mutant"
        return TargetedAgentChoice(agent=None, reason=f"{reason}: {need}", right_sided=None)
    if missing:
        fields = ", ".join(f"molecular.{g}" for g in missing)
        need = f"cetuximab needs {_join_genes(rule.genes)} wild type; missing test: {_join_genes(missing)} ({fields})"
        return TargetedAgentChoice(agent=None, reason=f"{reason}: {need}", right_sided=False)
    return TargetedAgentChoice(agent=rule.otherwise, reason=reason, right_sided=False)
