"""The dashboard's counts agree: the status tiles add up to the "enrolled in total" tile, each tile equals the
subject list filtered by that status, and a tile names the current status ("enrolled, treatment not started"),
so that "0 Enrolled" is never read beside "199 enrolled in total" as a contradiction. Both languages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from haictrial.edc.subjects import services
from haictrial.edc.subjects.models import Subject, SubjectStatus

from .test_zh_pages import _client, demo  # noqa: F401 - demo is a fixture

TILE = re.compile(
    r'<div class="tile small" data-status="(\w+)"><span class="num">(\d+)</span><a href="[^"]*">([^<]+)</a>'
)
TOTAL = re.compile(r'<span class="num" id="subject-total">(\d+)</span>')
LISTED = re.compile(r"<tbody>(.*?)</tbody>", re.S)

LABELS = {
    "en": {"enrolled": "enrolled, treatment not started", "on_treatment": "on treatment"},
    "zh-hans": {"enrolled": "已入组，尚未开始治疗", "on_treatment": "治疗中"},
}


def _listed(client, status: str = "") -> int:
    html = client.get("/subjects/", {"status": status} if status else {}).content.decode()
    body = LISTED.search(html)
    assert body is not None
    return body.group(1).count("<tr><td><a href=")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("username", ["demo-investigator", "demo-statistician"])
def test_the_tiles_add_up_to_the_total_and_match_the_subject_list(demo, username, language):  # noqa: F811
    # Move one subject back to "enrolled" (treatment not started) so that more than one status is counted.
    first = Subject.objects.order_by("subject_id").first()
    Subject.objects.filter(pk=first.pk).update(status=SubjectStatus.enrolled)
    client = _client(username)
    client.cookies["django_language"] = language
    with translation.override(language):
        html = client.get("/").content.decode()
    tiles = {status: (int(count), label) for status, count, label in TILE.findall(html)}
    total = int(TOTAL.search(html).group(1))
    assert set(tiles) >= {s for s in SubjectStatus.values if s != "screened"}
    assert sum(count for count, _label in tiles.values()) == total == _listed(client) > 0
    for status, (count, _label) in tiles.items():
        assert count == _listed(client, status), status
    assert tiles["enrolled"][0] >= 1
    for status, label in LABELS[language].items():
        assert tiles[status][1] == label


@pytest.mark.django_db
def test_the_counts_per_status_and_the_total_come_from_one_query(demo):  # noqa: F811
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="demo-investigator")
    with CaptureQueriesContext(connection) as queries:
        per_status, total = services.status_counts(user)
    # One query reads the subjects (the other, if any, reads the user's site memberships).
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "subjects_subject"' in q["sql"]]
    assert len(reads) == 1 and "COUNT" in reads[0] and "GROUP BY" in reads[0]
    assert [status for status, _n in per_status] == list(SubjectStatus.values)
    assert sum(n for _status, n in per_status) == total == services.subjects_for(user).count()


def test_every_status_has_a_tile_label():
    from haictrial.edc.web.views.subjects import STATUS_TILE_LABELS

    assert set(STATUS_TILE_LABELS) == set(SubjectStatus.values)
