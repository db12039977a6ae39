"""define.xml (CDISC Define-XML 2.1) from the package metadata, with odmlib's ``define_2_1`` model.

Validated against the Define-XML 2.1 schema shipped with odmlib (``odmlib.schemas/define/2.1``) and
rendered to define.html with the CDISC style sheet shipped with defineutils.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from haictrial import __version__
from haictrial.interop.sdtm.build import Package, kind
from haictrial.interop.sdtm.metadata import label
from haictrial.protocol.schema import Protocol

STUDY_OID = "ST.NCT06988852"
MDV_OID = "MDV.SDTM.1"
_DATA_TYPE = {"integer": "integer", "float": "float", "string": "text"}


def build_define(package: Package, protocol: Protocol, created: dt.datetime, formats: list[str]) -> object:
    """The odmlib ``define_2_1.ODM`` document of ``package`` (datasets in ``formats``: xpt or json)."""
    import odmlib.define_2_1.model as DEFINE

    mdv = DEFINE.MetaDataVersion(
        OID=MDV_OID,
        Name=f"{protocol.protocol_id} SDTM",
        Description=f"SDTMIG 3.4 package of {protocol.protocol_id} (protocol version {protocol.version})",
        DefineVersion="2.1.0",
    )
    mdv.Standards = DEFINE.Standards(
        Standard=[
            DEFINE.Standard(OID="STD.SDTMIG.3.4", Name="SDTMIG", Type="IG", Version="3.4", Status="Final"),
            DEFINE.Standard(
                OID="STD.SDTMCT",
                Name="CDISC/NCI",
                Type="CT",
                PublishingSet="SDTM",
                Version="2024-09-27",
                Status="Final",
            ),
        ]
    )
    items: dict[str, Any] = {}
    extension = "xpt" if "xpt" in formats else "json"
    for name, frame in package.frames.items():
        spec = package.specs[name]
        group = DEFINE.ItemGroupDef(
            OID=f"IG.{name}",
            Name=name,
            Repeating="No" if name == "DM" else "Yes",
            IsReferenceData="Yes" if spec.sdtm_class == "TRIAL DESIGN" else "No",
            SASDatasetName=name,
            Domain=name[4:] if name.startswith("SUPP") else name,
            Purpose="Tabulation",
            Structure=spec.structure,
            StandardOID="STD.SDTMIG.3.4",
            ArchiveLocationID=f"LF.{name}",
        )
        group.Description = DEFINE.Description()
        group.Description.TranslatedText.append(DEFINE.TranslatedText(_content=spec.label, lang="en"))
        for order, column in enumerate(frame.columns, 1):
            oid = f"IT.{name}.{column}"
            key = spec.keys.index(column) + 1 if column in spec.keys else None
            ref = DEFINE.ItemRef(
                ItemOID=oid, OrderNumber=order, Mandatory="Yes" if column in ("STUDYID", "DOMAIN", "USUBJID") else "No"
            )
            if key is not None:
                ref.KeySequence = key
            group.ItemRef.append(ref)
            data_kind = kind(column)
            item = DEFINE.ItemDef(OID=oid, Name=column, DataType=_DATA_TYPE[data_kind], SASFieldName=column)
            if data_kind == "string":
                longest = frame[column].dropna().astype(str).map(len).max() if len(frame) else 0
                item.Length = int(longest) if longest == longest and longest else 1
            elif data_kind == "integer":
                item.Length = 8
            item.Description = DEFINE.Description()
            item.Description.TranslatedText.append(DEFINE.TranslatedText(_content=label(column), lang="en"))
            derived = column.endswith(("SEQ", "DY")) or name in ("TS", "TA", "TE", "TV", "TI")
            origin = (
                DEFINE.Origin(Type="Derived") if derived else DEFINE.Origin(Type="Collected", Source="Investigator")
            )
            item.Origin.append(origin)
            items[oid] = item
        group.Class = DEFINE.Class(Name=spec.sdtm_class)
        group.leaf = DEFINE.leaf(ID=f"LF.{name}", href=f"{name.lower()}.{extension}")
        group.leaf.title = DEFINE.title(_content=f"{name.lower()}.{extension}")
        mdv.ItemGroupDef.append(group)
    mdv.ItemDef.extend(items.values())
    study = DEFINE.Study(OID=STUDY_OID)
    study.GlobalVariables = DEFINE.GlobalVariables()
    study.GlobalVariables.StudyName = DEFINE.StudyName(_content=protocol.protocol_id)
    study.GlobalVariables.StudyDescription = DEFINE.StudyDescription(_content=protocol.registry.brief_title)
    study.GlobalVariables.ProtocolName = DEFINE.ProtocolName(_content=protocol.registry.nct_id)
    study.MetaDataVersion = mdv
    return DEFINE.ODM(
        FileOID=f"DEF.{protocol.protocol_id}.SDTM",
        AsOfDateTime=created.isoformat(timespec="seconds"),
        CreationDateTime=created.isoformat(timespec="seconds"),
        ODMVersion="1.3.2",
        FileType="Snapshot",
        Originator="haictrial",
        SourceSystem="haictrial",
        SourceSystemVersion=__version__,
        Context="Submission",
        Study=study,
    )


def register_define_namespaces() -> None:
    """Register the Define-XML 2.1 namespaces (odm default, xs, xml, xlink, def) in odmlib's process-wide
    registry, as its model modules do when first imported.

    odmlib serialises with whatever the registry holds when ``write_xml`` runs, and the ODM 1.3.2 export
    resets it to the ODM namespaces: a define.xml written afterwards in the same process would lack
    ``xlink`` and ``def`` and not be well-formed. So every write sets them again.
    """
    import odmlib.ns_registry as NS

    NS.NamespaceRegistry(prefix="odm", uri="http://www.cdisc.org/ns/odm/v1.3", is_default=True, is_reset=True)
    NS.NamespaceRegistry(prefix="xs", uri="http://www.w3.org/2001/XMLSchema-instance")
    NS.NamespaceRegistry(prefix="xml", uri="http://www.w3.org/XML/1998/namespace")
    NS.NamespaceRegistry(prefix="xlink", uri="http://www.w3.org/1999/xlink")
    NS.NamespaceRegistry(prefix="def", uri="http://www.cdisc.org/ns/def/v2.1")


def write_define(document: object, path: Path) -> None:
    register_define_namespaces()
    document.write_xml(str(path))  # type: ignore[attr-defined]


def schema_problems(path: Path) -> list[str]:
    """Define-XML 2.1 schema errors of ``path`` against odmlib's shipped XSD (``define2-1-0.xsd``); empty
    when valid. The schema is compiled and applied by libxml2 (lxml): the same XSD through xmlschema took
    4.5 s per package, libxml2 0.1 s."""
    from lxml import etree

    try:
        errors = _define_schema()(etree.parse(str(path)))
    except (OSError, etree.XMLSyntaxError) as exc:  # an unparseable file is a problem, not a crash
        return [f"define.xml: not valid Define-XML 2.1: {str(exc).splitlines()[0]}"]
    return [f"define.xml: not valid Define-XML 2.1: {e.message} at line {e.line}" for e in errors[:5]]


@functools.cache
def _define_schema() -> Any:
    """A function: parsed define.xml -> the schema's errors (odmlib's Define-XML 2.1 XSD, compiled once)."""
    from lxml import etree
    from odmlib import odm_parser

    xsd = Path(odm_parser.__file__).parent / "schemas" / "define" / "2.1" / "define2-1-0.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))

    def errors(document: Any) -> list[Any]:
        return [] if schema.validate(document) else list(schema.error_log)

    return errors


def write_html(define_xml: Path, html: Path) -> None:
    from defineutils.definehtml.definehtml import DefineHtml

    DefineHtml(define_xml).transform_to_html_file(html)
