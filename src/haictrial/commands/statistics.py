"""Statistics commands (docs/contracts/stats.md): ``ci``, ``design``, ``survival`` and ``interim``.

The commands read the user's input (arguments, a CSV file), call :mod:`haictrial.stats` and print a
table or the result's ``as_contract()`` JSON document. All arithmetic and the documents are in the core;
here only parsing, formatting for the tables and the CSV boundary (missing columns, non-numeric values:
one line naming the column, exit 2).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import typer

from haictrial.commands.output import FORMAT_OPTION, OutputFormat, console, print_json, table
from haictrial.documents import read_text
from haictrial.errors import InputError
from haictrial.i18n import _
from haictrial.stats.options import ConfType, IntervalMethod

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# scipy, lifelines and pandas load inside the commands that use them, so `haictrial --help` and the
# other areas' commands start fast.

ci_app = typer.Typer(help="Confidence intervals.", no_args_is_help=True)
design_app = typer.Typer(
    help="Trial designs: Simon two-stage, predictive probability, toxicity rule, precision.", no_args_is_help=True
)
survival_app = typer.Typer(help="Survival analysis of a CSV file: Kaplan-Meier, log-rank, Cox.", no_args_is_help=True)
interim_app = typer.Typer(help="Interim analyses.", no_args_is_help=True)

#: Default true toxicity rates at which the stopping rule's operating characteristics are shown.
DEFAULT_TOXICITY_RATES = (0.1, 0.2, 0.3, 0.4, 0.5)


# ----------------------------------------------------------------------------------------------- helpers


def _fmt(value: float | int | None, spec: str = ".4f") -> str | None:
    return None if value is None else format(value, spec)


def read_csv(path: str) -> pd.DataFrame:
    """A CSV file ('-' for standard input) as a DataFrame, or one clear error."""
    import pandas as pd

    text = read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text))
    except pd.errors.EmptyDataError:
        raise InputError(f"empty CSV file: {path}") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"cannot parse CSV {path}: {str(exc).splitlines()[0]}") from None
    if frame.empty:
        raise InputError(f"no data rows in {path}")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        raise InputError(f"no such column in the CSV (columns: {', '.join(frame.columns)})", field=name)
    return frame[name]


def _numeric_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as floats; a missing or non-numeric cell is an error naming the column and row."""
    import numpy as np
    import pandas as pd

    column = _column(frame, name)
    values = pd.to_numeric(column, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raw = column.iloc[row]
        what = "missing value" if pd.isna(raw) else f"not a number ({raw!r})"
        raise InputError(f"{what} in data row {row + 1}", field=name)
    return values.to_numpy(dtype=float)


# ------------------------------------------------------------------------------------------------ ci


@ci_app.command("binomial")
def ci_binomial(
    x: int = typer.Argument(..., metavar="X", help="Number of responses (events)."),
    n: int = typer.Argument(..., metavar="N", help="Number of patients."),
    level: float = typer.Option(0.95, "--level", help="Confidence level."),
    method: IntervalMethod = typer.Option(IntervalMethod.clopper_pearson, "--method", help="Interval method."),
    p0: float | None = typer.Option(None, "--p0", help="Also give the one-sided exact p-value for H1: p > P0."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Confidence interval of a proportion X/N (exact Clopper-Pearson by default, or Wilson)."""
    from haictrial import stats

    ci = stats.binomial_ci(x, n, level=level, method=method)
    doc = ci.as_contract(p0=p0)
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = [[_("estimate"), f"{ci.estimate:.4f}"], [_("lower"), f"{ci.lower:.4f}"], [_("upper"), f"{ci.upper:.4f}"]]
    if p0 is not None:
        rows.append([_("one-sided exact p (H1: p > {p0})").format(p0=p0), f"{doc['p_value_one_sided']:.4g}"])
    title = _("{x}/{n}: {level:g} % {method} interval").format(x=x, n=n, level=ci.level * 100, method=ci.method.value)
    console.print(table(title, [_("quantity"), _("value")], rows))


# -------------------------------------------------------------------------------------------- design


@design_app.command("simon")
def design_simon(
    p0: float = typer.Option(..., "--p0", help="Response rate of no interest (H0)."),
    p1: float = typer.Option(..., "--p1", help="Response rate worth pursuing (H1)."),
    alpha: float = typer.Option(..., "--alpha", help="One-sided type I error at p0."),
    power: float = typer.Option(..., "--power", help="Power at p1."),
    nmax: int = typer.Option(100, "--nmax", help="Largest total sample size searched."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Simon's optimal and minimax two-stage designs (Control Clin Trials 1989;10:1-10)."""
    from haictrial import stats

    designs = stats.simon_two_stage(p0, p1, alpha, power, nmax=nmax)
    doc = designs.as_contract()
    optimal, minimax = doc["optimal"], doc["minimax"]
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = []
    for label, d in ((_("optimal"), optimal), (_("minimax"), minimax)):
        rows.append(
            [
                label,
                f"{d['r1']}/{d['n1']}",
                f"{d['r']}/{d['n']}",
                d["en_p0"],
                d["pet_p0"],
                d["actual_alpha"],
                d["actual_power"],
            ]
        )
    title = _("Simon two-stage designs: p0 {p0}, p1 {p1}, alpha {alpha}, power {power}").format(
        p0=p0, p1=p1, alpha=alpha, power=power
    )
    console.print(table(title, [_("design"), "r1/n1", "r/n", "EN(p0)", "PET(p0)", "alpha", "power"], rows))
    console.print(_("Stop after stage 1 if responses <= r1 of n1; reject the regimen if total responses <= r of n."))


@design_app.command("predictive")
def design_predictive(
    p0: float = typer.Option(..., "--p0", help="Response rate of no interest."),
    p1: float = typer.Option(..., "--p1", help="Response rate for the power."),
    nmax: int = typer.Option(..., "--nmax", help="Maximum number of patients."),
    prior_a: float = typer.Option(..., "--prior-a", help="Beta prior a."),
    prior_b: float = typer.Option(..., "--prior-b", help="Beta prior b."),
    theta_t: float = typer.Option(..., "--theta-t", help="Success at the end if P(p > p0 | data) > theta_t."),
    theta_l: float = typer.Option(..., "--theta-l", help="Stop for futility if the predictive probability < theta_l."),
    theta_u: float = typer.Option(1.0, "--theta-u", help="Stop for efficacy if PP > theta_u (1: never)."),
    first_look: int = typer.Option(1, "--first-look", help="First number of patients at which to look."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Predictive-probability design (Lee and Liu, Clin Trials 2008): boundaries and exact operating characteristics."""
    from haictrial import stats

    d = stats.predictive_design(p0, p1, nmax, prior_a, prior_b, theta_t, theta_l, theta_u, first_look)
    doc = d.as_contract()
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows: list[list[Any]] = [
        [b.patients, b.stop_futility_if_responses_at_most, b.stop_efficacy_if_responses_at_least] for b in d.boundaries
    ]
    rows.append([d.nmax, _("success if >= {x}").format(x=d.success_if_responses_at_least), None])
    console.print(
        table(
            _("Predictive-probability design: stopping boundaries"),
            [_("patients"), _("stop futility if responses <="), _("stop efficacy if responses >=")],
            rows,
        )
    )
    oc = [
        [
            f"p0 = {d.p0}",
            _fmt(d.under_p0.prob_early_stop),
            _fmt(d.under_p0.prob_reject_h0),
            _fmt(d.under_p0.expected_patients, ".1f"),
        ],
        [
            f"p1 = {d.p1}",
            _fmt(d.under_p1.prob_early_stop),
            _fmt(d.under_p1.prob_reject_h0),
            _fmt(d.under_p1.expected_patients, ".1f"),
        ],
    ]
    console.print(
        table(
            _("Exact operating characteristics"),
            [_("true rate"), _("P(early stop)"), _("P(reject H0)"), _("E(patients)")],
            oc,
        )
    )
    console.print(_("Type I error {a:.4f}; power {b:.4f}").format(a=d.type_i_error, b=d.power))


@design_app.command("toxicity")
def design_toxicity(
    limit: float = typer.Option(..., "--limit", help="Highest acceptable toxicity rate."),
    threshold: float = typer.Option(..., "--threshold", help="Stop if P(rate > limit | data) > threshold."),
    prior_a: float = typer.Option(..., "--prior-a", help="Beta prior a."),
    prior_b: float = typer.Option(..., "--prior-b", help="Beta prior b."),
    nmax: int = typer.Option(..., "--nmax", help="Number of patients monitored."),
    true_rate: list[float] | None = typer.Option(
        None, "--true-rate", help="True toxicity rate for the operating characteristics (repeatable; default 0.1-0.5)."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Beta-binomial toxicity stopping rule: boundary per patient and exact probability of stopping."""
    from haictrial import stats

    rates = list(true_rate) if true_rate else list(DEFAULT_TOXICITY_RATES)
    rule = stats.toxicity_rule(limit, threshold, prior_a, prior_b, nmax, rates)
    doc = rule.as_contract()
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = [[b.patients, b.stop_if_toxicities_at_least] for b in rule.boundaries]
    title = _("Toxicity stopping rule: stop if P(rate > {limit} | data) > {threshold}").format(
        limit=limit, threshold=threshold
    )
    console.print(table(title, [_("patients"), _("stop if toxicities >=")], rows))
    oc = [[r.rate, f"{r.prob_stop:.4f}", f"{r.expected_patients:.1f}"] for r in rule.operating_characteristics]
    console.print(table(_("Exact probability of stopping"), [_("true rate"), _("P(stop)"), _("E(patients)")], oc))


@design_app.command("precision")
def design_precision(
    p: float = typer.Option(..., "--p", help="Expected proportion."),
    n: int = typer.Option(..., "--n", help="Cohort size."),
    level: float = typer.Option(0.95, "--level", help="Confidence level."),
    method: IntervalMethod = typer.Option(IntervalMethod.clopper_pearson, "--method", help="Interval method."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """The confidence-interval half-width a cohort of N gives for a proportion near P."""
    from haictrial import stats

    result = stats.cohort_precision(p, n, level=level, method=method)
    doc = result.as_contract()
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = [
        [_("expected count"), f"{result.x}/{result.n}"],
        [_("interval"), f"{result.lower:.4f} - {result.upper:.4f}"],
        [_("half-width"), f"{result.half_width:.4f}"],
        [_("expected half-width"), f"{result.expected_half_width:.4f}"],
        [_("largest half-width (any outcome)"), f"{result.max_half_width:.4f}"],
    ]
    title = _("Precision of a proportion {p} with {n} patients ({level:g} % {method})").format(
        p=p, n=n, level=result.level * 100, method=result.method.value
    )
    console.print(table(title, [_("quantity"), _("value")], rows))


# ------------------------------------------------------------------------------------------ survival


@survival_app.command("km")
def survival_km(
    file: str = typer.Argument(..., metavar="FILE.csv", help="One row per patient ('-' for stdin)."),
    time: str = typer.Option(..., "--time", help="Column of follow-up times."),
    event: str = typer.Option(..., "--event", help="Column: 1 = event, 0 = censored."),
    group: str | None = typer.Option(None, "--group", help="Column defining groups (adds the log-rank test)."),
    conf_type: ConfType = typer.Option(ConfType.log, "--conf-type", help="Confidence band, as R's survfit."),
    level: float = typer.Option(0.95, "--level", help="Confidence level."),
    at: list[float] | None = typer.Option(None, "--at", help="Also give S(t) at this time (repeatable)."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Kaplan-Meier medians with R's confidence intervals; with --group, the log-rank test."""
    import numpy as np

    from haictrial import stats
    from haictrial.stats import survival as survival_checks

    frame = read_csv(file)
    times = _numeric_column(frame, time)
    events = _numeric_column(frame, event)
    groups = None
    if group is not None:
        column = _column(frame, group)
        missing = np.flatnonzero(column.isna().to_numpy())
        if missing.size:
            raise InputError(f"missing value in data row {int(missing[0]) + 1}", field=group)
        groups = column.tolist()
    survival_checks.check_survival_data(times, events, time_field=time, event_field=event)
    result = stats.kaplan_meier_by_group(times, events, groups, conf_type=conf_type, level=level)
    doc = result.as_contract(at=at or ())
    entries = doc["groups"]
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = [
        [
            "all" if e["group"] is None else e["group"],
            e["n"],
            e["events"],
            e["median"],
            e["median_ci"][0],
            e["median_ci"][1],
        ]
        for e in entries
    ]
    title = _("Kaplan-Meier ({conf_type} {level:g} % CI, as R survfit)").format(
        conf_type=conf_type.value, level=level * 100
    )
    console.print(table(title, [_("group"), "n", _("events"), _("median"), _("lower"), _("upper")], rows))
    if at:
        at_rows = [
            [
                "all" if e["group"] is None else e["group"],
                a["time"],
                a["n_risk"],
                _fmt(a["survival"]),
                _fmt(a["lower"]),
                _fmt(a["upper"]),
            ]
            for e in entries
            for a in e["at"]
        ]
        console.print(
            table(
                _("Survival at given times"),
                [_("group"), _("time"), _("at risk"), "S(t)", _("lower"), _("upper")],
                at_rows,
            )
        )
    if result.logrank is not None:
        lr = result.logrank
        console.print(
            _("Log-rank: chi-square {chisq:.3f} on {df} df, p = {p:.4g}").format(chisq=lr.chisq, df=lr.df, p=lr.p)
        )


def _reference_levels(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        column, sep, level = item.partition("=")
        if not sep or not column.strip() or not level.strip():
            raise InputError(f"expected COLUMN=LEVEL (got {item!r})", field="reference")
        out[column.strip()] = level.strip()
    return out


@survival_app.command("cox")
def survival_cox(
    file: str = typer.Argument(..., metavar="FILE.csv", help="One row per patient ('-' for stdin)."),
    time: str = typer.Option(..., "--time", help="Column of follow-up times."),
    event: str = typer.Option(..., "--event", help="Column: 1 = event, 0 = censored."),
    covariate: list[str] = typer.Option(..., "--covariate", help="Covariate column (repeatable)."),
    reference: list[str] | None = typer.Option(
        None, "--reference", help="COLUMN=LEVEL: reference level of a text column (default: first in sorted order)."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Cox proportional hazards with Efron ties (as R's coxph): coef, se, HR with 95 % CI, Wald p."""
    from haictrial import stats

    frame = read_csv(file)
    for name in (time, event, *covariate):
        _column(frame, name)
    _numeric_column(frame, time)
    _numeric_column(frame, event)
    fit = stats.cox_regression(frame, time, event, covariate, reference=_reference_levels(reference))
    doc = fit.as_contract()
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = [
        [c.name, f"{c.coef:.4f}", f"{c.se:.4f}", f"{c.hr:.3f}", f"{c.hr_ci[0]:.3f} - {c.hr_ci[1]:.3f}", f"{c.p:.4g}"]
        for c in fit.coefficients
    ]
    title = _("Cox model (Efron ties): n = {n}, events = {events}").format(n=fit.n, events=fit.events)
    console.print(table(title, [_("term"), "coef", "se", "HR", _("95 % CI"), "p"], rows))
    for column, level_name in fit.references.items():
        console.print(_("Reference level of {column}: {level}").format(column=column, level=level_name))
    if fit.excluded_missing:
        console.print(_("{k} rows left out: a covariate is missing").format(k=fit.excluded_missing))
    console.print(_("Concordance: {c:.3f}").format(c=fit.concordance))


# ------------------------------------------------------------------------------------------- interim


@interim_app.command("predictive")
def interim_predictive(
    responses: int = typer.Option(..., "--responses", help="Responses so far."),
    patients: int = typer.Option(..., "--patients", help="Patients evaluated so far."),
    nmax: int = typer.Option(..., "--nmax", help="Maximum number of patients."),
    p0: float = typer.Option(..., "--p0", help="Response rate of no interest."),
    prior_a: float = typer.Option(..., "--prior-a", help="Beta prior a."),
    prior_b: float = typer.Option(..., "--prior-b", help="Beta prior b."),
    theta_t: float = typer.Option(..., "--theta-t", help="Success at the end if P(p > p0 | data) > theta_t."),
    theta_l: float | None = typer.Option(None, "--theta-l", help="Stop for futility if PP < theta_l."),
    theta_u: float | None = typer.Option(None, "--theta-u", help="Stop for efficacy if PP > theta_u."),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Predictive probability of success at an interim look (Lee and Liu, Clin Trials 2008)."""
    from haictrial import stats

    look = stats.predictive_probability(responses, patients, nmax, p0, prior_a, prior_b, theta_t, theta_l, theta_u)
    doc = look.as_contract()
    if output == OutputFormat.json:
        print_json(doc)
        return
    rows = [
        [_("predictive probability of success"), f"{look.predictive_probability:.4f}"],
        [_("posterior P(p > {p0})").format(p0=p0), f"{look.posterior_prob_above_p0:.4f}"],
        [_("decision"), _("(give --theta-l / --theta-u)") if look.decision is None else look.decision.value],
    ]
    title = _("Interim look: {x}/{n} responses, nmax {nmax}").format(x=responses, n=patients, nmax=nmax)
    console.print(table(title, [_("quantity"), _("value")], rows))


def register(app: typer.Typer) -> None:
    """Add ``ci``, ``design``, ``survival`` and ``interim`` to the ``haictrial`` app."""
    app.add_typer(ci_app, name="ci")
    app.add_typer(design_app, name="design")
    app.add_typer(survival_app, name="survival")
    app.add_typer(interim_app, name="interim")
