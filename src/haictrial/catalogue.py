"""The gettext catalogue of the CLI tables and the reports: extract, merge, check and compile.

A developer tool (``scripts/extract-messages``, ``scripts/compile-messages``), kept in the package so
that the tests can check the committed catalogue against the sources. No babel, no GNU gettext:

* :func:`extract` reads every ``_("...")`` / ``gettext("...")`` call with a literal in
  ``commands/``, ``reports/`` and ``protocol/``, and every ``N_("...")`` (the no-op marker of the
  pure core's reason templates, :mod:`haictrial.clinical.messages`) there and in ``clinical/``
  (Python's :mod:`ast`), plus the values that reach
  ``_()`` through a variable, declared in :data:`DYNAMIC` (an enum's values, a dict of titles). A call
  with a non-literal argument that :data:`DYNAMIC` does not declare is reported, so none is forgotten.
* :func:`merge` keeps the existing translations, adds new msgids untranslated and drops obsolete ones.
* :func:`problems` lists what would break at run time: an empty translation, a ``{placeholder}`` that
  differs from the msgid's (``.format`` would raise), leading or trailing spaces or line breaks that
  differ (labels indented in tables and figures).
* :func:`compile_mo` writes the GNU ``.mo`` format (as CPython's ``Tools/i18n/msgfmt.py``), byte for
  byte deterministic, which Python's :mod:`gettext` and Django read.

References
----------
GNU gettext manual, "The Format of PO Files" and "The Format of GNU MO Files"
(https://www.gnu.org/software/gettext/manual/gettext.html).
"""

from __future__ import annotations

import ast
import re
import string
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from haictrial.i18n import CHINESE, DOMAIN, LOCALE_DIR, to_locale

PACKAGE_DIR = Path(__file__).resolve().parent
#: The directories (relative to the package) whose ``_()`` strings the catalogue holds.
SOURCE_DIRS = ("commands", "reports", "protocol", "clinical")
#: The gettext function names recognised in the sources (``N_``: mark only, translated at the boundary).
FUNCTIONS = frozenset({"_", "gettext", "N_"})
#: The project catalogue of Simplified Chinese.
PO_FILE = LOCALE_DIR / to_locale(CHINESE) / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_FILE = PO_FILE.with_suffix(".mo")

HEADER = (
    "Project-Id-Version: haictrial\n"
    "Report-Msgid-Bugs-To: \n"
    "Last-Translator: haictrial\n"
    "Language-Team: haictrial\n"
    "Language: zh_Hans\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Plural-Forms: nplurals=1; plural=0;\n"
)
PREAMBLE = (
    "# Simplified Chinese of the haictrial CLI tables and analysis report (CHALLENGE-A1, NCT06988852).\n"
    "# Refresh with scripts/extract-messages, translate the empty msgstr, compile with scripts/compile-messages.\n"
    "# Clinical codes (criterion ids, drug names, CTCAE terms, RECIST codes) stay in English in the data.\n"
    "#\n"
)


def _criterion_kinds() -> list[str]:
    from haictrial.protocol.schema import CriterionKind

    return [k.value for k in CriterionKind]


def _criterion_statuses() -> list[str]:
    from haictrial.clinical.eligibility import CriterionStatus

    return [s.value for s in CriterionStatus]


def _routes() -> list[str]:
    from haictrial.protocol.schema import Route

    return [r.value.replace("_", " ") for r in Route]


def _endpoint_titles() -> list[str]:
    from haictrial.reports.survival import ENDPOINT_TITLES

    return list(ENDPOINT_TITLES.values())


def _no_agent() -> list[str]:
    from haictrial.reports.dictionary import NO_AGENT

    return [NO_AGENT]


#: Values that reach ``_()`` through a variable: (file, argument as written) -> the values it takes.
DYNAMIC: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("commands/screening.py", "c.kind.value"): _criterion_kinds,
    ("commands/screening.py", "c.status.value"): _criterion_statuses,
    ("commands/planning.py", "a.route.value.replace('_', ' ')"): _routes,
    ("reports/order_sheet.py", "a.route.value.replace('_', ' ')"): _routes,
    ("reports/survival.py", "ENDPOINT_TITLES[k]"): _endpoint_titles,
    ("reports/baseline.py", "agent"): _no_agent,
}


@dataclass
class Message:
    """One catalogue entry: msgid, its translation, where it is used, flags (``python-brace-format``, ``fuzzy``)."""

    msgid: str
    msgstr: str = ""
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # translator comments ("# ..."), kept on merge
    extracted: list[str] = field(default_factory=list)  # extractor comments ("#. ...")


@dataclass
class Extraction:
    """The messages found, in order of first use, and the ``_()`` calls with an undeclared non-literal."""

    messages: dict[str, Message]
    undeclared: list[str]


_FIELD = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")


def _brace_format(text: str) -> bool:
    return bool(_FIELD.search(text))


def _add(messages: dict[str, Message], msgid: str, reference: str, note: str | None = None) -> None:
    message = messages.setdefault(msgid, Message(msgid))
    if reference not in message.references:
        message.references.append(reference)
    if note and note not in message.extracted:
        message.extracted.append(note)
    if _brace_format(msgid) and "python-brace-format" not in message.flags:
        message.flags.append("python-brace-format")


def _source_files(root: Path) -> list[Path]:
    return sorted(p for d in SOURCE_DIRS for p in (root / d).rglob("*.py") if "__pycache__" not in p.parts)


def extract(root: Path = PACKAGE_DIR) -> Extraction:
    """Every translatable string of the sources under ``root`` (the ``haictrial`` package)."""
    messages: dict[str, Message] = {}
    undeclared: list[str] = []
    for path in _source_files(root):
        relative = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        calls = sorted(
            (n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for call in calls:
            if not isinstance(call.func, ast.Name) or call.func.id not in FUNCTIONS or len(call.args) != 1:
                continue
            argument = call.args[0]
            reference = f"{relative}:{call.lineno}"
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                _add(messages, argument.value, reference)
                continue
            expression = ast.unparse(argument)
            values = DYNAMIC.get((relative, expression))
            if values is None:
                undeclared.append(f"{reference}: _({expression})")
                continue
            for value in values():
                _add(messages, value, reference, note=f"value of {expression}")
    return Extraction(messages, undeclared)


# ----------------------------------------------------------------------------------------- PO files

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}


def _quote(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def _unquote(token: str, where: str) -> str:
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {token!r}")
    out, body, i = [], token[1:-1], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(_UNESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _po_string(keyword: str, text: str) -> str:
    """``msgid "..."``, split after each line break as gettext does for multi-line messages."""
    lines = [line for line in re.split(r"(?<=\n)", text) if line]  # only "\n" ends a line in a PO file
    if len(lines) <= 1:
        return f"{keyword} {_quote(text)}"
    return f'{keyword} ""\n' + "\n".join(_quote(line) for line in lines)


def parse_po(text: str, name: str = "django.po") -> tuple[str, list[Message]]:
    """The header (the msgstr of msgid "") and the entries of a PO file (no msgctxt, no plurals)."""
    header = ""
    entries: list[Message] = []
    current: Message | None = None
    target: str | None = None
    seen_msgid = False

    def finish() -> None:
        nonlocal current, header, seen_msgid
        if current is not None and seen_msgid:
            if current.msgid == "":
                header = current.msgstr
            else:
                entries.append(current)
        current, seen_msgid = None, False

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            finish()
            continue
        if current is None or (seen_msgid and line.startswith("#")):
            finish()
            current = Message("")
        if line.startswith("#:"):
            current.references.extend(line[2:].split())
        elif line.startswith("#,"):
            current.flags.extend(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith("#."):
            current.extracted.append(line[2:].strip())
        elif line.startswith("#~") or line.startswith("#|"):
            continue
        elif line.startswith("#"):
            current.comments.append(line[1:].strip())
        elif line.startswith("msgid "):
            current.msgid, target, seen_msgid = _unquote(line[6:], where), "msgid", True
        elif line.startswith("msgstr "):
            current.msgstr, target = _unquote(line[7:], where), "msgstr"
        elif line.startswith('"'):
            if target == "msgid":
                current.msgid += _unquote(line, where)
            elif target == "msgstr":
                current.msgstr += _unquote(line, where)
            else:
                raise ValueError(f"{where}: a string outside msgid/msgstr")
        else:
            raise ValueError(f"{where}: cannot read {raw!r} (msgctxt and plurals are not used here)")
    finish()
    return header, entries


def format_po(messages: Iterable[Message], header: str = HEADER, preamble: str = PREAMBLE) -> str:
    """The PO file text of ``messages`` (in the given order)."""
    parts = [preamble + 'msgid ""\n' + _po_string("msgstr", header)]
    for m in messages:
        lines = [f"# {c}".rstrip() for c in m.comments]
        lines += [f"#. {c}" for c in m.extracted]
        if m.references:
            lines.append("#: " + " ".join(m.references))
        if m.flags:
            lines.append("#, " + ", ".join(m.flags))
        lines.append(_po_string("msgid", m.msgid))
        lines.append(_po_string("msgstr", m.msgstr))
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def read_po(path: Path = PO_FILE) -> tuple[str, list[Message]]:
    return parse_po(path.read_text(encoding="utf-8"), path.name)


def merge(existing: Iterable[Message], extracted: dict[str, Message]) -> tuple[list[Message], list[str]]:
    """The extracted messages with the existing translations and translator comments; and the obsolete msgids."""
    old = {m.msgid: m for m in existing}
    merged = []
    for msgid, message in extracted.items():
        previous = old.get(msgid)
        flags = list(message.flags)
        if previous is not None:
            message.msgstr = previous.msgstr
            message.comments = list(previous.comments)
            if "fuzzy" in previous.flags:
                flags.append("fuzzy")
        message.flags = flags
        merged.append(message)
    obsolete = [msgid for msgid in old if msgid not in extracted]
    return merged, obsolete


# ------------------------------------------------------------------------------------------- checks


def _fields(text: str) -> set[tuple[str, str]] | None:
    """The ``{name:spec}`` fields of a format string, or None if it is not one."""
    try:
        return {(name, spec or "") for _lit, name, spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def _edges(text: str) -> tuple[str, str, int]:
    stripped = text.strip(" ")
    lead = text[: len(text) - len(text.lstrip(" "))]
    trail = text[len(text.rstrip(" ")) :] if stripped else ""
    return lead, trail, text.count("\n")


def problems(messages: Iterable[Message]) -> list[str]:
    """What is wrong with the translations, one line each (an empty list: fit to compile and ship)."""
    out = []
    for m in messages:
        label = repr(m.msgid if len(m.msgid) <= 60 else m.msgid[:57] + "...")
        if not m.msgstr.strip():
            out.append(f"{label}: not translated")
            continue
        if "fuzzy" in m.flags:
            out.append(f"{label}: marked fuzzy (check the translation, then remove the flag)")
        if "python-brace-format" in m.flags and _fields(m.msgid) != _fields(m.msgstr):
            out.append(f"{label}: placeholders differ from the msgid's ({m.msgstr!r})")
        if _edges(m.msgid) != _edges(m.msgstr):
            out.append(f"{label}: leading/trailing spaces or line breaks differ from the msgid's ({m.msgstr!r})")
    return out


# ------------------------------------------------------------------------------------------ MO files


def compile_mo(messages: Iterable[Message], header: str = HEADER) -> bytes:
    """The GNU MO file of the translated, non-fuzzy ``messages`` (little-endian, no hash table)."""
    catalogue = {b"": header.encode("utf-8")}
    for m in messages:
        if m.msgstr and "fuzzy" not in m.flags:
            catalogue[m.msgid.encode("utf-8")] = m.msgstr.encode("utf-8")
    keys = sorted(catalogue)
    ids = strs = b""
    spans = []
    for key in keys:
        spans.append((len(ids), len(key), len(strs), len(catalogue[key])))
        ids += key + b"\0"
        strs += catalogue[key] + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    key_table: list[int] = []
    value_table: list[int] = []
    for id_offset, id_length, str_offset, str_length in spans:
        key_table += [id_length, id_offset + key_start]
        value_table += [str_length, str_offset + value_start]
    head = struct.pack("<Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    table = struct.pack(f"<{len(key_table) + len(value_table)}i", *key_table, *value_table)
    return head + table + ids + strs


def compile_po(po_file: Path = PO_FILE, mo_file: Path | None = None) -> Path:
    """Compile ``po_file`` to ``mo_file`` (default: beside it); raises ValueError listing any problem."""
    header, messages = read_po(po_file)
    found = problems(messages)
    if found:
        raise ValueError(f"{po_file}: {len(found)} problem(s):\n  " + "\n  ".join(found))
    target = mo_file or po_file.with_suffix(".mo")
    target.write_bytes(compile_mo(messages, header or HEADER))
    return target


# --------------------------------------------------------------------------------------------- main


def refresh(po_file: Path = PO_FILE, root: Path = PACKAGE_DIR) -> tuple[int, int, list[str], list[str]]:
    """Re-extract the sources into ``po_file`` keeping its translations.

    Returns (messages, untranslated, obsolete msgids dropped, undeclared dynamic calls).
    """
    extraction = extract(root)
    header, existing = read_po(po_file) if po_file.exists() else (HEADER, [])
    merged, obsolete = merge(existing, extraction.messages)
    po_file.parent.mkdir(parents=True, exist_ok=True)
    po_file.write_text(format_po(merged, header or HEADER), encoding="utf-8")
    untranslated = sum(1 for m in merged if not m.msgstr.strip())
    return len(merged), untranslated, obsolete, extraction.undeclared


def main(argv: list[str] | None = None) -> int:
    """``python -m haictrial.catalogue extract|compile``: what scripts/extract-messages and compile-messages run."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args == ["extract"]:
        total, untranslated, obsolete, undeclared = refresh()
        print(f"{PO_FILE}: {total} messages, {untranslated} untranslated, {len(obsolete)} obsolete dropped")
        for msgid in obsolete:
            print(f"  dropped: {msgid!r}")
        for call in undeclared:
            print(f"  undeclared dynamic msgid (add it to haictrial.catalogue.DYNAMIC): {call}", file=sys.stderr)
        return 1 if undeclared else 0
    if args == ["compile"]:
        try:
            target = compile_po()
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"wrote {target}")
        return 0
    print("usage: python -m haictrial.catalogue extract|compile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
