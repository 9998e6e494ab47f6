"""Suggestions at reception: what the IOC is offered for a new report, learned from its decisions.

Given a province (the demo's units) and, for most tests, a history of decisions built through the
real intake and transition service; lan operates the IOC, an administers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from phananh.org.models import Unit
from phananh.reports.models import Category
from phananh.triage import services
from phananh.triage.models import Suggestion, TriageModel
from phananh.workflow.models import EventKind, RoutingRule
from phananh.workflow.services import transition
from tests.staff import token_body

from .conftest import submit_labelled
from .dev_set import dev_set

pytestmark = pytest.mark.django_db


def _token(client: Client, user) -> dict:
    answer = client.post("/api/v1/auth/token", token_body(user), content_type="application/json")
    assert answer.status_code == 201, answer.content
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}


def _fields(report) -> list[str]:
    return [f["code"] for f in services.suggest(report)["field"]]


def _urgency(report) -> str:
    return services.suggest(report)["urgency"][0]["value"]


def test_a_new_deployment_suggests_the_field_whose_name_matches(province):
    # Given no decision at all, when a report names its matter in the field's words...
    report = submit_labelled({"text": "Phản ánh về an toàn thực phẩm ở chợ Kỳ Lừa"})
    # ...then that field comes first, from the fields' names and the built-in words.
    assert _fields(report)[0] == "an-toan-thuc-pham"
    # Typed without accents, with phone abbreviations, too.
    assert _fields(submit_labelled({"text": "den duong ko sang may hom nay"}))[0] == "ha-tang-do-thi"


def test_a_new_field_is_learned_from_its_name_and_description(province):
    Category.objects.create(
        code="nuoc-sach-nong-thon", name="Nước sạch nông thôn", description="giếng khoan, bể lọc"
    )
    assert (
        _fields(submit_labelled({"text": "gieng khoan cua thon bi hong, be loc khong dung duoc"}))[0]
        == "nuoc-sach-nong-thon"
    )


def test_routing_rules_drive_the_unit_before_any_decision(province):
    road = Category.objects.get(code="ha-tang-do-thi")
    RoutingRule.objects.create(category=road, unit=province["quan-ly-duong-bo"])
    suggested = services.suggest(submit_labelled({"text": "Mặt đường có ổ gà lớn, đường hỏng nặng"}))
    assert suggested["unit"][0]["code"] == "quan-ly-duong-bo"


def test_the_suggestion_is_stored_after_submission_off_the_request(
    province, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit_labelled({"text": "Rác không được thu gom, bốc mùi"})
    # The `submitted` event's task (PHANANH_EVENT_TASKS) computed and stored it.
    stored = Suggestion.objects.get(report=report)
    assert stored.payload["field"][0]["code"] == "moi-truong"
    assert stored.model_version.startswith("cold-")


def test_the_staff_detail_carries_the_suggestions_in_the_documented_shape(province, lan):
    report = submit_labelled({"text": "Đèn tín hiệu giao thông ở ngã tư hỏng"})
    client = Client()
    answer = client.get(f"/api/v1/staff/reports/{report.tracking_code}", **_token(client, lan))
    assert answer.status_code == 200
    suggestions = answer.json()["suggestions"]
    assert set(suggestions) == {"field", "unit", "urgency", "for_field", "model"}
    assert suggestions["for_field"] is None  # no field chosen yet: units of the likeliest fields
    assert 1 <= len(suggestions["field"]) <= 3
    assert set(suggestions["field"][0]) == {"code", "score"}
    assert all(set(u) == {"id", "code", "score"} for u in suggestions["unit"])
    assert set(suggestions["urgency"][0]) == {"value", "score"}
    assert set(suggestions["model"]) == {"version", "trained_at", "examples"}
    scores = [f["score"] for f in suggestions["field"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1


def test_administrators_train_through_the_api_and_others_are_refused(province, lan, an, history):
    history(dev_set(60))
    client = Client()
    refused = client.post("/api/v1/admin/triage/train", **_token(client, lan))
    assert refused.status_code == 403
    assert not TriageModel.objects.exists()

    answer = client.post("/api/v1/admin/triage/train", **_token(client, an))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    model = TriageModel.objects.get(is_current=True)
    assert body["version"] == model.version
    assert body["decisions"] == 60
    # Held out on a time split: the newest 20% of the decisions.
    assert body["evaluation"]["tested"] == 12 and body["evaluation"]["trained_on"] == 48
    assert body["evaluation"]["field_top3"] is not None
    assert default_storage.exists(model.path)


def test_the_model_is_read_from_storage_by_a_process_that_did_not_train_it(province, history):
    history(dev_set(40))
    model = services.model_train()
    # Another process starts with nothing loaded: it reads the file named by the current row.
    services.forget_loaded_models()
    fitted, meta = services.current_model()
    assert meta["version"] == model.version
    assert fitted.decisions == 40
    # A newer version is noticed at the next suggestion.
    newer = services.model_train(now=timezone.now() + timedelta(minutes=1))
    report = submit_labelled({"text": "Mất điện cả khu từ sáng"})
    assert services.suggest(report)["model"]["version"] == newer.version


def test_a_worker_process_per_job_reads_the_model_from_the_shared_cache(province, history, monkeypatch):
    # RQ forks a process per job: each starts with nothing loaded. The first one to load the model
    # shares it through the cache, so the others neither fetch the file nor fit a model again.
    history(dev_set(40))
    model = services.model_train()
    services.forget_loaded_models()
    services.current_model()
    services.forget_loaded_models()

    def no_storage(*args, **kwargs):
        raise AssertionError("the model was fetched from storage again")

    monkeypatch.setattr(services.default_storage, "open", no_storage)
    monkeypatch.setattr(services.learning, "train", no_storage)
    fitted, meta = services.current_model()
    assert meta["version"] == model.version and fitted.decisions == 40


def test_typed_without_accents_and_abbreviated_it_is_still_classified(province, history):
    history(dev_set(240))
    services.model_train()
    assert (
        _fields(submit_labelled({"text": "cong thoat nuoc bi tac, nuoc ban tran len duong ko di dc"}))[0]
        == "ha-tang-do-thi"
    )
    report = submit_labelled({"text": "quan an o cho mat ve sinh, nhieu ng bi dau bung"})
    assert _fields(report)[0] == "an-toan-thuc-pham"
    assert services.suggest(report)["unit"][0]["code"] == "so-y-te"


def test_urgent_words_are_read_in_their_context(province, history):
    history(dev_set(240))
    services.model_train()
    assert _urgency(submit_labelled({"text": "Cửa hàng ở khối 5 cháy hàng từ sáng, bán giá cao"})) == "normal"
    assert _urgency(submit_labelled({"text": "Dây điện đứt tóe lửa trước cổng trường"})) == "urgent"


def test_the_event_records_whether_the_suggestion_was_taken(province, lan):
    report = submit_labelled({"text": "Đèn đường không sáng cả tuần nay"})
    offered = services.suggestion_refresh(report).payload
    top, second = offered["field"][0]["code"], offered["field"][1]["code"]
    suggested = {"version": offered["model"]["version"], "category": [top, second], "urgency": ["normal"]}
    transition(report=report, actor=lan, action="accept", data={"category": second, "suggested": suggested})
    event = report.events.get(kind=EventKind.ACCEPTED)
    assert event.data["suggestion"] == {
        "version": offered["model"]["version"],
        "field_taken": False,
        "field_rank": 2,
        "urgency_taken": True,
        "urgency_rank": 1,
    }
    unit = offered["unit"][0]["id"]
    transition(
        report=report,
        actor=lan,
        action="dispatch",
        data={"unit": unit, "suggested": {"version": "v1", "unit": [unit]}},
    )
    dispatched = report.events.get(kind=EventKind.DISPATCHED)
    assert dispatched.data["suggestion"] == {"version": "v1", "unit_taken": True, "unit_rank": 1}


def test_what_was_suggested_is_validated(province, lan):
    report = submit_labelled({"text": "Đèn đường không sáng"})
    client = Client()
    answer = client.post(
        f"/api/v1/staff/reports/{report.tracking_code}/actions",
        {"action": "accept", "category": "ha-tang-do-thi", "suggested": {"version": "", "unit": ["x"]}},
        content_type="application/json",
        **_token(client, lan),
    )
    assert answer.status_code == 422
    report.refresh_from_db()
    assert report.status == "submitted" and report.category is None
    assert not report.events.filter(kind=EventKind.ACCEPTED).exists()


def test_the_nightly_training_runs_once_a_day_from_its_hour(province, settings, history):
    history(dev_set(20))
    settings.PHANANH_TRIAGE_TRAIN_HOUR = 2
    night = timezone.make_aware(datetime(2026, 12, 3, 1, 30))
    assert services.train_if_due(now=night) is None
    trained = services.train_if_due(now=night.replace(hour=2, minute=1))
    assert trained is not None and trained.is_current
    # Every node enqueues it every minute: the day's model is there, nobody trains again.
    assert services.train_if_due(now=night.replace(hour=2, minute=2)) is None
    assert TriageModel.objects.count() == 1


def test_a_model_file_gone_from_storage_gives_the_cold_start_suggestions(province, history):
    history(dev_set(20))
    model = services.model_train()
    default_storage.delete(model.path)
    services.forget_loaded_models()
    suggested = services.suggest(submit_labelled({"text": "Đèn đường không sáng"}))
    assert suggested["model"]["version"].startswith("cold-")
    assert suggested["field"][0]["code"] == "ha-tang-do-thi"


def test_a_suggestion_made_by_a_replaced_model_is_made_again_when_read(province, history):
    from phananh.triage.selectors import report_suggestions

    report = submit_labelled({"text": "Rác không được thu gom"})
    assert services.suggestion_refresh(report).model_version.startswith("cold-")
    history(dev_set(20))
    model = services.model_train()
    assert report_suggestions(report)["model"]["version"] == model.version


def test_past_the_iocs_decisions_reading_a_report_computes_no_suggestion(province, lan, history):
    from phananh.triage.selectors import report_suggestions

    # Given a report the IOC accepted and dispatched before any suggestion was stored for it
    [report] = history(
        [
            {
                "text": "Mất nước sinh hoạt ba ngày",
                "field": "ha-tang-do-thi",
                "unit": "cap-thoat-nuoc",
                "urgency": "normal",
                "days_ago": 1,
            }
        ]
    )
    Suggestion.objects.filter(report=report).delete()
    report.refresh_from_db()
    assert report.status == "dispatched"

    # When its detail is read through the staff API
    client = Client()
    answer = client.get(f"/api/v1/staff/reports/{report.tracking_code}", **_token(client, lan))

    # Then it carries none, and none is computed and stored
    assert answer.status_code == 200 and answer.json()["suggestions"] is None
    assert not Suggestion.objects.filter(report=report).exists()

    # While one it had is shown as it was, even after a newer model
    offered = services.suggestion_refresh(report).payload
    history(dev_set(20))
    services.model_train()
    assert report_suggestions(report) == offered


def test_once_the_field_is_chosen_the_units_are_suggested_for_it(province, lan, history):
    from phananh.triage.selectors import report_suggestions

    # Given a history, and a report of two matters: a sidewalk taken and karaoke late at night
    history(dev_set(120))
    services.model_train()
    text = "Quán nhậu lấn chiếm vỉa hè, tối nào cũng mở karaoke ồn ào quá khuya"
    units = {u.code: u.pk for u in Unit.objects.all()}
    first = {}
    for field in ("trat-tu-do-thi", "an-ninh-trat-tu"):
        report = submit_labelled({"text": text})
        assert report_suggestions(report)["for_field"] is None

        # When the IOC accepts it under one field, without choosing the lead unit yet
        transition(report=report, actor=lan, action="accept", data={"category": field, "urgency": "normal"})
        report.refresh_from_db()
        assert report.status == "accepted"

        # Then the dispatch form's first unit is where that field's reports of this kind went
        suggested = report_suggestions(report)
        assert suggested["for_field"] == field
        first[field] = suggested["unit"][0]["id"]
    assert first == {
        "trat-tu-do-thi": units["phuong-luong-van-tri"],
        "an-ninh-trat-tu": units["cong-an-tinh"],
    }


def test_only_the_last_two_model_files_are_kept(province, history):
    # Given three trainings, a day apart
    history(dev_set(30))
    trained = [services.model_train(now=timezone.now() + timedelta(days=day)) for day in range(3)]

    # Then the two newest files are in the storage and the oldest is gone (it held the words of
    # reports since erased, and a file a night would fill the store), its row and figures kept
    oldest, *kept = trained
    assert not default_storage.exists(f"triage/{oldest.version}.joblib")
    assert all(default_storage.exists(model.path) for model in kept)
    oldest.refresh_from_db()
    assert oldest.path == "" and oldest.evaluation
    assert TriageModel.objects.count() == 3

    # And the current model still loads in a process that had none
    services.forget_loaded_models()
    assert services.current_model()[1]["version"] == kept[-1].version
