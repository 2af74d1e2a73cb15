"""Every model has a Django admin page a platform admin can open."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

APP_MODELS = [
    model for model in admin.site._registry if model._meta.app_label in {"projects", "workloads"}
]

# Derived tables the database keeps (triggers): an admin page would invite hand edits that
# make them wrong.
DERIVED_MODELS = {"workloads.WorkloadCount"}


def test_every_model_of_ours_is_registered():
    from django.apps import apps

    ours = {m for m in apps.get_models() if m._meta.app_label in {"projects", "workloads"}}
    assert {m._meta.label for m in ours - set(APP_MODELS)} == DERIVED_MODELS
    assert not {m._meta.label for m in APP_MODELS} & DERIVED_MODELS


@pytest.mark.parametrize("model", APP_MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_add_pages_open(admin_client, model, make_workload):
    make_workload()
    opts = model._meta
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200
