"""A query whose message holds a nested translatable sentence (the resectability criterion inside the
MDT-consistency check) is stored as JSON template + params and shown in zh-Hans on the form page.

References: Adams et al., HPB 2013;15:91-103 (doi:10.1111/j.1477-2574.2012.00557.x): R0 resection achievable
is a technical criterion of resectability; the edit check XF-mdt-consistency.
"""

from __future__ import annotations

from django.test import Client

from haictrial.edc.crfs import services
from haictrial.edc.crfs.models import FormRecord
from haictrial.edc.dm.models import Query

from .conftest import payloads


def test_an_mdt_query_renders_its_criterion_in_chinese(users, subject_id, course):
    alice = users["alice"]
    review = payloads(course, "mdt_review")[0]
    review.update(decision="resect", r0_achievable=False)
    services.save_form(alice, subject_id, "mdt_review", review)
    query = Query.objects.get(check_id="XF-mdt-consistency", field="r0_achievable")
    assert query.message == (
        "decision 'resect' but R0 resection not achievable (technical criterion R0 resection achievable, "
        "Adams et al. 2013): confirm the decision or correct the findings"
    )
    stored = Query.objects.values_list("message_params", flat=True).get(pk=query.pk)
    (finding,) = stored["finding_parts"]
    assert finding["params"]["criterion_parts"] == [{"template": "R0 resection not achievable", "params": {}}]
    alice.language = "zh-hans"
    alice.save()
    client = Client()
    client.force_login(alice)
    record = FormRecord.objects.get(form="mdt_review")
    page = client.get(f"/subjects/{subject_id}/forms/mdt_review/{record.pk}/").content.decode()
    assert "决定“手术切除”，但无法实现R0切除（技术标准：可实现R0切除，Adams 等 2013）" in page
    assert "技术标准" in page and "无法实现R0切除" in page  # the derived panel: criteria and findings
    assert "technical criterion" not in page and "R0 resection not achievable" not in page
