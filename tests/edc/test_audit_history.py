"""``Model.history`` on every audited model builds its manager class once (edc/audit/history.py) and still
answers as django-simple-history's own descriptor does: the model's history, or one instance's."""

from __future__ import annotations

import pytest
from simple_history.manager import HistoryManager

from haictrial.edc.audit.history import CachedHistoryDescriptor
from haictrial.edc.audit.rows import audited_models
from haictrial.edc.subjects.models import Screening, Subject

pytestmark = pytest.mark.django_db


def test_every_audited_model_has_the_caching_descriptor():
    for model in audited_models():
        assert isinstance(model.__dict__["history"], CachedHistoryDescriptor), model
        assert type(model.history) is type(model.history)  # one class, built once
        assert isinstance(model.history, HistoryManager)
        assert model.history.model is model.__dict__["history"].model


def test_the_history_of_one_instance_and_of_the_model(api, patient):
    screening = api["alice"].post("/api/screenings", patient)
    assert screening.status_code == 201, screening.content
    row = Screening.objects.get(pk=screening.json()["screening_id"])
    assert row.history.count() == 1 and row.history.first().instance.pk == row.pk
    assert Screening.history.filter(id=row.pk).count() == 1
    assert Subject.history.count() == Subject.history.model.objects.count()
