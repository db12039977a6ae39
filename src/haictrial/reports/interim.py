"""Interim analysis: the Simon two-stage decision, the Lee-Liu predictive probability and the toxicity rule.

All at the current number of evaluable patients, with the design's inputs from the protocol file's site
settings (``settings.interim``); the statistics are :mod:`haictrial.stats.simon` and
:mod:`haictrial.stats.bayesian`.

* Evaluable for CTRR: an enrolled patient whose primary endpoint is known by the cut-off: converted (R0
  resection), died, off study, or followed for the endpoint's time frame (12 months after enrolment,
  protocol endpoint ``ctrr``). Responses: the converted among them.
* Simon two-stage (optimal design for p0, p1, alpha, power): after n1 evaluable, stop for futility if
  responses <= r1; after n, the regimen is rejected if responses <= r. Before n1, no look is reached.
* Lee-Liu: the predictive probability that at nmax (the target enrolment, 300) P(CTRR > p0 | data) exceeds
  theta_t; the decision (stop for futility below theta_l) applies only when a look size is reached.
* Toxicity (Thall, Simon and Estey 1995): among treated patients, those with a related (possible, probable,
  definite) grade 3-5 adverse event (CTCAE v5.0); stop when P(rate > limit | data) > threshold.

References
----------
Simon R. Control Clin Trials 1989;10:1-10, doi:10.1016/0197-2456(89)90015-9.
Lee JJ, Liu DD. Clin Trials 2008;5:93-106, doi:10.1177/1740774508089279.
Thall PF, Simon RM, Estey EH. Stat Med 1995;14:357-379, doi:10.1002/sim.4780140404.
Protocol endpoint ``ctrr`` (time frame up to 12 months after enrolment); target enrolment 300.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd

from haictrial.errors import DomainError
from haictrial.protocol.schema import Protocol
from haictrial.reports.dictionary import RELATED
from haictrial.reports.i18n import _
from haictrial.stats.bayesian import predictive_probability, toxicity_rule
from haictrial.stats.simon import SimonDesign, simon_two_stage

#: The CTRR time frame: up to 12 months after enrolment (protocol endpoint ``ctrr``), in days.
CTRR_FRAME_DAYS = 365
#: Toxicity: a related adverse event of CTCAE v5.0 grade 3 or worse.
TOXIC_GRADE = 3


def _evaluable(adsl: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    followed = (cutoff - adsl["enrolment_date"]).dt.days >= CTRR_FRAME_DAYS
    ended = adsl["death_date"].notna() | adsl["off_study_reason"].notna()
    return (adsl["converted"] | ended | followed).astype(bool)


def interim(adsl: pd.DataFrame, adae: pd.DataFrame, protocol: Protocol, cutoff: Any = None) -> dict[str, Any]:
    """The interim section of results.json: ``simon``, ``predictive``, ``toxicity``, each with its inputs;
    a part the data or the settings cannot support is ``null`` with a ``note``."""
    d = protocol.settings.interim
    when = pd.Timestamp(cutoff) if cutoff is not None else adsl["last_contact_date"].max()
    if pd.isna(when):
        when = pd.Timestamp.today().normalize()
    evaluable = _evaluable(adsl, when) if len(adsl) else pd.Series([], dtype=bool)
    n = int(evaluable.sum())
    x = int((adsl["converted"].astype(bool) & evaluable).sum()) if n else 0
    nmax = protocol.registry.target_enrollment
    p0, p1 = d.ctrr_no_interest.value, d.ctrr_of_interest.value
    out: dict[str, Any] = {"evaluable": n, "responses": x, "enrolled": int(len(adsl))}
    out["simon"] = _simon(x, n, p0, p1, d.alpha.value, d.power.value)
    looks = sorted(d.look_sizes.value)
    reached = [look for look in looks if look <= n]
    inputs: dict[str, Any] = {
        "responses": x, "patients": n, "nmax": nmax, "p0": p0, "prior_a": d.predictive_prior_a.value,
        "prior_b": d.predictive_prior_b.value, "theta_t": d.predictive_theta_t.value,
        "theta_l": d.predictive_theta_l.value, "look_sizes": looks,
        "look_reached": reached[-1] if reached else None,
    }  # fmt: skip
    try:
        look = predictive_probability(
            min(x, nmax), min(n, nmax), nmax, p0, inputs["prior_a"], inputs["prior_b"], inputs["theta_t"],
            theta_l=inputs["theta_l"],
        )  # fmt: skip
    except DomainError as exc:
        out["predictive"] = {"inputs": inputs, "predictive_probability": None, "decision": None, "note": str(exc)}
    else:
        out["predictive"] = {
            "inputs": inputs,
            "predictive_probability": look.predictive_probability,
            "posterior_prob_above_p0": look.posterior_prob_above_p0,
            "decision": (None if look.decision is None else look.decision.value) if reached else None,
        }
        if not reached:
            out["predictive"]["note"] = _("no interim look reached yet (first at {n} evaluable patients)").format(
                n=looks[0] if looks else nmax
            )
    out["toxicity"] = _toxicity(adsl, adae, protocol, nmax)
    return out


@lru_cache(maxsize=8)
def _design(p0: float, p1: float, alpha: float, power: float) -> SimonDesign:
    return simon_two_stage(p0, p1, alpha, power, nmax=150).optimal  # about a second: once per setting


def _simon(x: int, n: int, p0: float, p1: float, alpha: float, power: float) -> dict[str, Any]:
    inputs = {"p0": p0, "p1": p1, "alpha": alpha, "power": power, "responses": x, "evaluable": n}
    try:
        design = _design(p0, p1, alpha, power)
    except DomainError as exc:
        return {"inputs": inputs, "design": None, "decision": None, "note": str(exc)}
    out: dict[str, Any] = {
        "inputs": inputs,
        "design": {"r1": design.r1, "n1": design.n1, "r": design.r, "n": design.n},
        "decision": None,
    }
    if n < design.n1:
        out["note"] = _("no look reached: stage 1 ends at {n1} evaluable patients").format(n1=design.n1)
    elif n < design.n:
        out["look"] = "stage_1"
        out["decision"] = "stop_futility" if x <= design.r1 else "continue"
    else:
        out["look"] = "final"
        out["decision"] = "reject" if x <= design.r else "promising"
    return out


def _toxicity(adsl: pd.DataFrame, adae: pd.DataFrame, protocol: Protocol, nmax: int) -> dict[str, Any]:
    d = protocol.settings.interim
    treated = adsl.loc[adsl["cycles_received"].fillna(0) > 0, "subject_id"]
    toxic = adae[(adae["grade"] >= TOXIC_GRADE) & adae["attribution"].isin(RELATED)]
    t = int(toxic["subject_id"].isin(set(treated)).groupby(toxic["subject_id"]).any().sum()) if len(toxic) else 0
    n = int(len(treated))
    inputs = {
        "limit": d.toxicity_limit.value, "threshold": d.toxicity_threshold.value,
        "prior_a": d.toxicity_prior_a.value, "prior_b": d.toxicity_prior_b.value,
        "patients": n, "toxicities": t, "nmax": nmax,
    }  # fmt: skip
    if n == 0:
        return {"inputs": inputs, "stop_if_toxicities_at_least": None, "status": None,
                "note": _("no treated patient yet")}  # fmt: skip
    try:
        rule = toxicity_rule(inputs["limit"], inputs["threshold"], inputs["prior_a"], inputs["prior_b"], max(n, 1))
    except DomainError as exc:
        return {"inputs": inputs, "stop_if_toxicities_at_least": None, "status": None, "note": str(exc)}
    bound = next((b.stop_if_toxicities_at_least for b in rule.boundaries if b.patients == n), None)
    status = "stop" if bound is not None and t >= bound else "continue"
    return {"inputs": inputs, "stop_if_toxicities_at_least": bound, "status": status}


def interim_table(result: dict[str, Any]) -> pd.DataFrame:
    """One row per rule: its inputs, the value at the current number of patients and the decision."""
    s, p, t = result["simon"], result["predictive"], result["toxicity"]
    design = s["design"]
    rows = [
        [
            _("Simon two-stage (optimal)"),
            f"p0 {s['inputs']['p0']}, p1 {s['inputs']['p1']}, alpha {s['inputs']['alpha']}, "
            f"power {s['inputs']['power']}"
            + (f"; r1/n1 {design['r1']}/{design['n1']}, r/n {design['r']}/{design['n']}" if design else ""),
            f"{result['responses']}/{result['evaluable']}",
            s["decision"] or s.get("note", ""),
        ],
        [
            _("Lee-Liu predictive probability at n = {n}").format(n=p["inputs"]["nmax"]),
            f"p0 {p['inputs']['p0']}, Beta({p['inputs']['prior_a']}, {p['inputs']['prior_b']}), "
            f"theta_t {p['inputs']['theta_t']}, theta_l {p['inputs']['theta_l']}",
            "—" if p["predictive_probability"] is None else f"{p['predictive_probability']:.3f}",
            p["decision"] or p.get("note", ""),
        ],
        [
            _("Toxicity stopping rule"),
            f"limit {t['inputs']['limit']}, threshold {t['inputs']['threshold']}, "
            f"Beta({t['inputs']['prior_a']}, {t['inputs']['prior_b']})",
            f"{t['inputs']['toxicities']}/{t['inputs']['patients']}",
            t["status"] or t.get("note", ""),
        ],
    ]
    return pd.DataFrame(rows, columns=[_("Rule"), _("Inputs"), _("Now"), _("Decision")])
