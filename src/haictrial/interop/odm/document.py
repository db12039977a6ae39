"""The CDISC ODM 1.3.2 document of the trial, built with odmlib's ODM 1.3.2 model.

- Study / MetaDataVersion: each visit of the protocol schedule as a StudyEventDef (with the eCRFs it
  expects as FormRefs), each eCRF as a FormDef, its own fields and each repeating part as ItemGroupDefs,
  every input as an ItemDef (DataType, MeasurementUnitRef, CodeListRef), choices as CodeLists, units as
  BasicDefinitions/MeasurementUnit. A multiple choice is one boolean ItemDef per choice.
- AdminData: the users who changed or signed data, the sites as Locations, the casebook signature as a
  SignatureDef.
- ClinicalData: one SubjectData per subject (SubjectKey the subject id, SiteRef its site), the records as
  FormData under the StudyEventData of the form's visit, repeating rows as ItemGroupData with their
  ItemGroupRepeatKey (``2.1``: the first interruption of the second infusion); each FormData carries
  the AuditRecord of its last change and the Signature of the last casebook signature covering it; every
  audit entry and signature is also listed under ClinicalData/AuditRecords and Signatures.

References
----------
CDISC Operational Data Model (ODM) Version 1.3.2, Final, 2013: sections 3.1.1 (Study), 3.1.4
(MetaDataVersion: StudyEventDef, FormDef, ItemGroupDef, ItemDef, CodeList), 3.1.3 (BasicDefinitions),
3.1.5 (AdminData: User, Location, SignatureDef), 3.1.6 (ClinicalData), 3.1.8 (AuditRecord, Signature).
Electronic signatures: 21 CFR 11.50 (signature manifestations) and 11.70 (signature/record linking).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import odmlib.ns_registry as NS
import odmlib.odm_1_3_2.model as ODM
from odmlib.odm_parser import ODMSchemaValidator

from haictrial import __version__
from haictrial.clinical.crf_base import FormName
from haictrial.interop.odm.ecrf import Form, Group, Item, Row, ecrf_forms, rows_of
from haictrial.interop.odm.source import AuditData, RecordData, SignatureData, Snapshot, SubjectData
from haictrial.protocol.schema import Protocol

ODM_NAMESPACE = "http://www.cdisc.org/ns/odm/v1.3"
#: Visits that occur more than once for a subject (the others once: screening, baseline, end of study).
ONCE = {"screening", "baseline", "end_of_study"}
SIGNATURE_DEF = "SD.CASEBOOK"
DATA_TYPES = {
    "date": "date",
    "datetime": "datetime",
    "int": "integer",
    "intchoice": "integer",
    "float": "float",
    "lab": "float",
    "bool": "boolean",
    "check": "boolean",
}


def _oid(*parts: str) -> str:
    return ".".join(re.sub(r"[^A-Za-z0-9_.\-]", "_", p) for p in parts if p)


def _text(value: str, lang: str = "en") -> ODM.TranslatedText:
    return ODM.TranslatedText(_content=value, lang=lang)


def unit_oid(unit: str) -> str:
    return "MU." + "".join(c if c.isalnum() else f"_{ord(c):x}" for c in unit)


def item_oid(group: Group, item: Item, code: str | None = None) -> str:
    return _oid("IT", group.form.value, group.key, item.name, code or "")


def group_oid(group: Group) -> str:
    return _oid("IG", group.form.value, group.key)


def form_oid(form: FormName) -> str:
    return _oid("F", form.value)


def event_oid(visit: str) -> str:
    return _oid("SE", visit)


def home_visit(form: FormName, protocol: Protocol) -> str:
    """The visit a record of ``form`` belongs to: the visit named after the form, else the first that lists it."""
    ids = [v.id for v in protocol.schedule.visits if form.value in v.forms]
    return form.value if form.value in ids else ids[0]


# --- metadata -------------------------------------------------------------------------------------


def _item_defs(group: Group, units: dict[str, ODM.MeasurementUnit]) -> tuple[list[Any], list[Any], list[Any]]:
    refs: list[Any] = []
    defs: list[Any] = []
    lists: list[Any] = []
    for item in group.items:
        question = ODM.Question(TranslatedText=[_text(item.label)])
        if item.kind == "multi":
            for code, label in item.choices:
                oid = item_oid(group, item, code)
                refs.append(ODM.ItemRef(ItemOID=oid, Mandatory="No", OrderNumber=len(refs) + 1))
                defs.append(
                    ODM.ItemDef(
                        OID=oid,
                        Name=f"{item.name}={code}",
                        DataType="boolean",
                        Question=ODM.Question(TranslatedText=[_text(f"{item.label}: {label}")]),
                    )
                )
            continue
        oid = item_oid(group, item)
        refs.append(ODM.ItemRef(ItemOID=oid, Mandatory="No", OrderNumber=len(refs) + 1))
        definition = ODM.ItemDef(OID=oid, Name=item.name, DataType=DATA_TYPES.get(item.kind, "text"), Question=question)
        if definition.DataType == "text":
            definition.Length = 2000 if item.kind == "textarea" else 200
        for unit in item.units or ((item.unit,) if item.unit else ()):
            if unit not in units:
                units[unit] = ODM.MeasurementUnit(
                    OID=unit_oid(unit), Name=unit, Symbol=ODM.Symbol(TranslatedText=[_text(unit)])
                )
            definition.MeasurementUnitRef.append(ODM.MeasurementUnitRef(MeasurementUnitOID=unit_oid(unit)))
        if item.choices:
            list_oid = _oid("CL", group.form.value, group.key, item.name)
            definition.CodeListRef = ODM.CodeListRef(CodeListOID=list_oid)
            lists.append(
                ODM.CodeList(
                    OID=list_oid,
                    Name=item.label,
                    DataType="integer" if item.kind == "intchoice" else "text",
                    CodeListItem=[
                        ODM.CodeListItem(CodedValue=code, OrderNumber=n, Decode=ODM.Decode(TranslatedText=[_text(lab)]))
                        for n, (code, lab) in enumerate(item.choices, start=1)
                    ],
                )
            )
        defs.append(definition)
    return refs, defs, lists


def metadata_version(protocol: Protocol, forms: list[Form]) -> tuple[ODM.MetaDataVersion, ODM.BasicDefinitions]:
    mdv = ODM.MetaDataVersion(
        OID=mdv_oid(protocol),
        Name=f"{protocol.protocol_id} protocol version {protocol.version}",
        Description="eCRFs of the haictrial EDC",
    )
    known = {f.name.value for f in forms}
    visits = protocol.schedule.visits
    mdv.Protocol = ODM.Protocol(
        StudyEventRef=[
            ODM.StudyEventRef(StudyEventOID=event_oid(v.id), OrderNumber=n, Mandatory="Yes" if v.id in ONCE else "No")
            for n, v in enumerate(visits, start=1)
        ]
    )
    for visit in visits:
        names = [f for f in visit.forms if f in known]
        mdv.StudyEventDef.append(
            ODM.StudyEventDef(
                OID=event_oid(visit.id),
                Name=visit.label,
                Repeating="No" if visit.id in ONCE else "Yes",
                Type="Scheduled",
                Description=ODM.Description(
                    TranslatedText=[_text(visit.label), *([_text(visit.label_zh, "zh-Hans")] if visit.label_zh else [])]
                ),
                FormRef=[
                    ODM.FormRef(FormOID=form_oid(FormName(f)), OrderNumber=n, Mandatory="No")
                    for n, f in enumerate(names, start=1)
                ],
            )
        )
    units: dict[str, ODM.MeasurementUnit] = {}
    for form in forms:
        mdv.FormDef.append(
            ODM.FormDef(
                OID=form_oid(form.name),
                Name=form.label,
                Repeating="Yes" if form.repeating else "No",
                ItemGroupRef=[
                    ODM.ItemGroupRef(ItemGroupOID=group_oid(g), OrderNumber=n, Mandatory="No" if g.key else "Yes")
                    for n, g in enumerate(form.groups, start=1)
                ],
            )
        )
        for group in form.groups:
            refs, defs, lists = _item_defs(group, units)
            mdv.ItemGroupDef.append(
                ODM.ItemGroupDef(
                    OID=group_oid(group),
                    Name=group.label if not group.key else f"{form.label}: {group.label}",
                    Repeating="Yes" if group.repeating else "No",
                    ItemRef=refs,
                )
            )
            mdv.ItemDef.extend(defs)
            mdv.CodeList.extend(lists)
    return mdv, ODM.BasicDefinitions(MeasurementUnit=list(units.values()))


def mdv_oid(protocol: Protocol) -> str:
    return _oid("MDV", protocol.protocol_id, protocol.version)


def study_oid(protocol: Protocol) -> str:
    return _oid("ST", protocol.protocol_id)


# --- clinical data --------------------------------------------------------------------------------


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _user_oid(username: str) -> str:
    return _oid("USR", username or "system")


def _value(item: Item, value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _item_data(row: Row) -> list[ODM.ItemData]:
    out: list[ODM.ItemData] = []
    for item in row.group.items:
        value = row.values.get(item.name)
        if item.kind == "multi":
            if isinstance(value, list):
                chosen = {str(v) for v in value}
                out.extend(
                    ODM.ItemData(ItemOID=item_oid(row.group, item, code), Value="true" if code in chosen else "false")
                    for code, _label in item.choices
                )
            continue
        if item.kind == "lab":
            if isinstance(value, dict) and value.get("value") is not None:
                data = ODM.ItemData(ItemOID=item_oid(row.group, item), Value=str(value["value"]))
                unit = str(value.get("unit") or "")
                if unit in item.units:
                    data.MeasurementUnitRef = ODM.MeasurementUnitRef(MeasurementUnitOID=unit_oid(unit))
                out.append(data)
            continue
        text = _value(item, value)
        if text is not None:
            out.append(ODM.ItemData(ItemOID=item_oid(row.group, item), Value=text))
    return out


def _audit_record(entry: AuditData, site: str, with_id: bool) -> ODM.AuditRecord:
    record = ODM.AuditRecord(
        UserRef=ODM.UserRef(UserOID=_user_oid(entry.username)),
        LocationRef=ODM.LocationRef(LocationOID=_oid("LOC", site)),
        DateTimeStamp=ODM.DateTimeStamp(_content=_stamp(entry.recorded_at)),
        SourceID=ODM.SourceID(_content=f"audit entry {entry.seq} {entry.action} record {entry.record_id} {entry.hash}"),
    )
    if entry.reason:
        record.ReasonForChange = ODM.ReasonForChange(_content=entry.reason)
    if with_id:
        record.ID = f"AR.{entry.seq}"
    return record


def _signature(signature: SignatureData, site: str, ident: str) -> ODM.Signature:
    return ODM.Signature(
        ID=ident,
        UserRef=ODM.UserRef(UserOID=_user_oid(signature.username)),
        LocationRef=ODM.LocationRef(LocationOID=_oid("LOC", site)),
        SignatureRef=ODM.SignatureRef(SignatureOID=SIGNATURE_DEF),
        DateTimeStamp=ODM.DateTimeStamp(_content=_stamp(signature.signed_at)),
    )


def _form_data(form: Form, record: RecordData, key: int, subject: SubjectData) -> ODM.FormData:
    data = ODM.FormData(FormOID=form_oid(form.name), FormRepeatKey=str(key) if form.repeating else None)
    mine = [a for a in subject.audit if a.record_id == record.record_id]
    if mine:
        data.AuditRecord = _audit_record(mine[-1], subject.site_code, with_id=False)
    signed = [s for s in subject.signatures if record.record_id in s.record_ids]
    if signed:
        data.Signature = _signature(signed[-1], subject.site_code, f"SG.{signed[-1].signature_id}.R{record.record_id}")
    for row in rows_of(form, record.payload):
        group_data = ODM.ItemGroupData(ItemGroupOID=group_oid(row.group), ItemData=_item_data(row))
        if row.group.repeating:
            group_data.ItemGroupRepeatKey = row.repeat_key
        data.ItemGroupData.append(group_data)
    return data


def _subject_data(subject: SubjectData, forms: dict[FormName, Form], protocol: Protocol) -> ODM.SubjectData:
    out = ODM.SubjectData(
        SubjectKey=subject.subject_id, SiteRef=ODM.SiteRef(LocationOID=_oid("LOC", subject.site_code))
    )
    by_visit: dict[str, list[RecordData]] = defaultdict(list)
    for record in subject.records:
        by_visit[home_visit(record.form, protocol)].append(record)
    for visit in protocol.schedule.visits:
        records = by_visit.get(visit.id)
        if not records:
            continue
        event = ODM.StudyEventData(StudyEventOID=event_oid(visit.id))
        if visit.id not in ONCE:
            event.StudyEventRepeatKey = "1"
        counters: dict[FormName, int] = defaultdict(int)
        for record in records:
            counters[record.form] += 1
            event.FormData.append(_form_data(forms[record.form], record, counters[record.form], subject))
        out.StudyEventData.append(event)
    return out


def admin_data(snapshot: Snapshot, protocol: Protocol) -> ODM.AdminData:
    names = sorted(
        {a.username for s in snapshot.subjects for a in s.audit}
        | {g.username for s in snapshot.subjects for g in s.signatures}
    )
    effective = protocol.registry.start_date.isoformat()
    sites = dict(snapshot.sites)
    for subject in snapshot.subjects:
        sites.setdefault(subject.site_code, subject.site_code)
    return ODM.AdminData(
        StudyOID=study_oid(protocol),
        User=[ODM.User(OID=_user_oid(n), LoginName=ODM.LoginName(_content=n or "system")) for n in names],
        Location=[
            ODM.Location(
                OID=_oid("LOC", code),
                Name=f"{code} {name}",
                LocationType="Site",
                MetaDataVersionRef=[
                    ODM.MetaDataVersionRef(
                        StudyOID=study_oid(protocol), MetaDataVersionOID=mdv_oid(protocol), EffectiveDate=effective
                    )
                ],
            )
            for code, name in sorted(sites.items())
        ],
        SignatureDef=[
            ODM.SignatureDef(
                OID=SIGNATURE_DEF,
                Methodology="Electronic",
                Meaning=ODM.Meaning(_content="The investigator approves the subject's casebook (eCRF records listed)."),
                LegalReason=ODM.LegalReason(
                    _content="21 CFR 11.50 and 11.70: electronic signature linked to its records"
                ),
            )
        ],
    )


def build_odm(snapshot: Snapshot, protocol: Protocol) -> ODM.ODM:
    """The ODM 1.3.2 document (Snapshot file) of the eCRF metadata and the snapshot's clinical data."""
    NS.NamespaceRegistry(prefix="odm", uri=ODM_NAMESPACE, is_default=True, is_reset=True)
    NS.NamespaceRegistry(prefix="xml", uri="http://www.w3.org/XML/1998/namespace")
    forms = ecrf_forms()
    mdv, basic = metadata_version(protocol, forms)
    study = ODM.Study(
        OID=study_oid(protocol),
        GlobalVariables=ODM.GlobalVariables(
            StudyName=ODM.StudyName(_content=protocol.protocol_id),
            StudyDescription=ODM.StudyDescription(_content=protocol.registry.brief_title),
            ProtocolName=ODM.ProtocolName(_content=protocol.registry.nct_id),
        ),
        BasicDefinitions=basic,
        MetaDataVersion=[mdv],
    )
    by_name = {f.name: f for f in forms}
    clinical = ODM.ClinicalData(StudyOID=study_oid(protocol), MetaDataVersionOID=mdv_oid(protocol))
    audit_records: list[ODM.AuditRecord] = []
    signatures: list[ODM.Signature] = []
    for subject in snapshot.subjects:
        clinical.SubjectData.append(_subject_data(subject, by_name, protocol))
        audit_records.extend(_audit_record(a, subject.site_code, with_id=True) for a in subject.audit)
        signatures.extend(_signature(s, subject.site_code, f"SG.{s.signature_id}") for s in subject.signatures)
    if audit_records:
        clinical.AuditRecords.append(ODM.AuditRecords(AuditRecord=audit_records))
    if signatures:
        clinical.Signatures.append(ODM.Signatures(Signature=signatures))
    return ODM.ODM(
        FileOID=_oid("FILE", protocol.protocol_id, snapshot.taken_at.strftime("%Y%m%dT%H%M%S")),
        FileType="Snapshot",
        Granularity="All",
        CreationDateTime=_stamp(snapshot.taken_at),
        ODMVersion="1.3.2",
        Originator="haictrial",
        SourceSystem="haictrial",
        SourceSystemVersion=__version__,
        Study=[study],
        AdminData=[admin_data(snapshot, protocol)],
        ClinicalData=[clinical],
    )


def schema_problems(path: Path) -> list[str]:
    """Every violation of odmlib's shipped ODM 1.3.2 schema (ODM1-3-2.xsd) in the file at ``path``."""
    validator = ODMSchemaValidator(standard="odm", version="1.3.2")
    problems = []
    for error in validator.xsd.iter_errors(str(path)):
        where = error.path or "document"
        problems.append(f"odm.xml {where}: {error.reason or error.message}")
    return problems


def write_odm(document: ODM.ODM, path: Path) -> None:
    document.write_xml(str(path))
