"""The evidence rules of the activities domain: capture-date warnings and who may attach
which file."""
from datetime import date

from services.activities import domain

HELD, REPORTED = date(2026, 10, 10), date(2026, 10, 12)


def codes(captured_on):
    return [w["code"] for w in domain.capture_warnings(captured_on, HELD, REPORTED)]


def test_a_photo_taken_around_the_activity_raises_nothing():
    for day in (date(2026, 10, 7), date(2026, 10, 10), date(2026, 10, 12), None):
        assert codes(day) == []


def test_long_before_or_after_the_report_is_warned_of():
    assert codes(date(2026, 10, 6)) == ["CAPTURED_LONG_BEFORE"]
    assert codes(date(2026, 10, 13)) == ["CAPTURED_AFTER_REPORT"]
    message = domain.capture_warnings(date(2026, 9, 1), HELD, REPORTED)[0]["message"]
    assert "2026-09-01" in message and "2026-10-10" in message


def test_only_the_reporters_own_free_files_may_be_attached():
    files = {1: {"uploaded_by": "chair", "activity_id": None},
             2: {"uploaded_by": "other", "activity_id": None},
             3: {"uploaded_by": "chair", "activity_id": 9},
             4: {"uploaded_by": "other", "activity_id": 5}}
    ids = domain.evidence_file_ids([{"kind": "photo", "evidence_id": i} for i in (1, 2, 3, 7)]
                                   + [{"kind": "photo", "url": "https://x.org/p.jpg"}])
    errors = domain.attachment_errors(ids, files, "chair", activity_id=5)
    assert set(errors) == {"evidence.1.evidence_id", "evidence.2.evidence_id",
                           "evidence.3.evidence_id"}
    assert "already filed with activity 9" in errors["evidence.2.evidence_id"][0]
    assert errors["evidence.1.evidence_id"] == errors["evidence.3.evidence_id"]  # alike
    # a file already on this activity stays, whoever uploaded it (another admin's edit)
    assert domain.attachment_errors({0: 4}, files, "chair", activity_id=5) == {}
    assert domain.attachment_errors({0: 1, 1: 1}, files, "chair", None) == {
        "evidence.1.evidence_id": ["the same file is named twice"]}
