"""The EDC's protocol singleton, ``ENGINE_VERSION`` and ``MAX_CYCLE`` have one home, ``edc/trial.py``
(docs/architecture.md, Layers): every EDC module and test imports them from there, never through a module
that happens to import them too (``services.protocol()``, ``subjects.MAX_CYCLE``), so that moving a
service cannot silently break another.
"""

from __future__ import annotations

import ast
from pathlib import Path

from haictrial.edc import trial

ROOT = Path(__file__).parent.parent.parent
SRC = ROOT / "src" / "haictrial"
HOME = "haictrial.edc.trial"
NAMES = frozenset({"protocol", "MAX_CYCLE", "ENGINE_VERSION"})
FILES = sorted(
    [*SRC.joinpath("edc").rglob("*.py"), *SRC.joinpath("commands").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]
)


def _is_edc_module(module: str) -> bool:
    return module.startswith("haictrial.edc.") and module != HOME


def indirect_uses(source: str) -> list[str]:
    """Each place ``source`` reaches a name of :data:`NAMES` through an EDC module other than ``edc.trial``."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> EDC module it is bound to
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _is_edc_module(node.module) and alias.name in NAMES:
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                elif _is_edc_module(full):
                    aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and _is_edc_module(alias.name):
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr} ({aliases[node.value.id]})")
    return found


def test_it_finds_an_attribute_reached_through_a_service_module():
    source = "from haictrial.edc.subjects import services\ncycle = services.MAX_CYCLE\nproto = services.protocol()\n"
    assert indirect_uses(source) == [
        "line 2: services.MAX_CYCLE (haictrial.edc.subjects.services)",
        "line 3: services.protocol (haictrial.edc.subjects.services)",
    ]


def test_it_finds_a_name_imported_from_a_service_module():
    source = "from haictrial.edc.subjects.services import protocol as edc_protocol\n"
    assert indirect_uses(source) == ["line 1: from haictrial.edc.subjects.services import protocol"]


def test_it_accepts_the_home_module_and_other_names():
    source = (
        "from haictrial.edc.trial import MAX_CYCLE, protocol\n"
        "from haictrial.edc import trial\n"
        "from haictrial.edc.subjects import services\n"
        "x = trial.ENGINE_VERSION, services.CALENDAR_CYCLES, services.enroll\n"
    )
    assert indirect_uses(source) == []


def test_no_module_reaches_the_trial_constants_through_another_module():
    offenders = {}
    for path in FILES:
        uses = indirect_uses(path.read_text(encoding="utf-8"))
        if uses:
            offenders[str(path.relative_to(ROOT))] = uses
    assert len(FILES) > 100  # the EDC, the commands and the tests were read
    assert offenders == {}, f"import these from {HOME}"


def test_the_home_module_defines_the_names():
    assert {name for name in NAMES if hasattr(trial, name)} == NAMES
    assert isinstance(trial.MAX_CYCLE, int) and trial.MAX_CYCLE < 2**31  # the 32-bit ``cycle`` column
