"""An activity's evidence files in the database: attaching them to a report, detaching
those an edit drops, and the facts an answer shows of each (its type and size, its
capture date and the warnings it raises, the other activities filed with the same bytes).
"""
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select, update

from services.activities import domain
from services.activities.contract import CAPTURED_BEFORE_HELD_DAYS
from services.activities.models import EvidenceFile
from services.common.clock import LOCAL, utcnow
from services.common.errors import Invalid


def evidence_fields(row):
    """What the contract's EvidenceFileOut dumps of a row."""
    return {"id": row.id, "sha256": row.sha256, "content_type": row.content_type,
            "size": row.size, "filename": row.filename, "captured_on": row.captured_on,
            "width": row.width, "height": row.height,
            "thumbnail": row.thumbnail_key is not None, "activity_id": row.activity_id,
            "uploaded_at": row.uploaded_at, "uploaded_by": row.uploaded_by,
            "stored_key": row.stored_key, "stored_size": row.stored_size,
            "thumbnail_key": row.thumbnail_key}


def attach(session, evidence, actor, activity_id):
    """Attach a report's file items to activity_id (flushed: it has an id) and detach the
    files it no longer carries; returns the evidence as stored (file items with their
    sha256). A 422 names each item that cannot be attached.

    The updates are conditional, so that two reports racing for one file attach it once:
    the loser's rows count falls short and its whole unit of work is refused."""
    file_ids = domain.evidence_file_ids(evidence)
    rows = {row.id: row for row in session.scalars(select(EvidenceFile).where(
        EvidenceFile.id.in_(set(file_ids.values())))).all()} if file_ids else {}
    errors = domain.attachment_errors(
        file_ids, {key: {"uploaded_by": row.uploaded_by, "activity_id": row.activity_id}
                   for key, row in rows.items()}, actor, activity_id)
    if errors:
        raise Invalid("evidence files cannot be attached", errors)
    now = utcnow()
    session.execute(update(EvidenceFile).where(
        EvidenceFile.activity_id == activity_id,
        EvidenceFile.id.not_in(set(file_ids.values())))
        .values(activity_id=None, detached_at=now).execution_options(synchronize_session=False))
    if file_ids:
        taken = session.execute(update(EvidenceFile).where(
            EvidenceFile.id.in_(set(file_ids.values())),
            (EvidenceFile.activity_id.is_(None)) | (EvidenceFile.activity_id == activity_id))
            .values(activity_id=activity_id, detached_at=None)
            .execution_options(synchronize_session=False)).rowcount
        if taken != len(file_ids):
            raise Invalid("evidence files cannot be attached", {"evidence": [
                "a file was filed with another activity at the same time: upload it again"]})
    return [_stored_item(item, rows) for item in evidence]


def _stored_item(item, rows):
    if item.get("evidence_id") is None:
        return {"kind": item["kind"], "url": item["url"]}
    return {"kind": item["kind"], "evidence_id": item["evidence_id"],
            "sha256": rows[item["evidence_id"]].sha256}


def with_files(session, answers):
    """Add each file item's facts to dumped activities (in place; returns them):
    content_type, size, filename, captured_on, thumbnail, warnings and also_in (the
    gateway shows also_in to reviewers and the city only)."""
    ids = {item["evidence_id"] for answer in answers for item in answer.get("evidence") or ()
           if item.get("evidence_id") is not None}
    if not ids:
        return answers
    rows = {row.id: row for row in session.scalars(
        select(EvidenceFile).where(EvidenceFile.id.in_(ids)))}
    filed = defaultdict(set)  # sha256 -> activities carrying those bytes
    for sha256, activity_id in session.execute(
            select(EvidenceFile.sha256, EvidenceFile.activity_id).where(
                EvidenceFile.sha256.in_({row.sha256 for row in rows.values()}),
                EvidenceFile.activity_id.is_not(None))):
        filed[sha256].add(activity_id)
    for answer in answers:
        held_on, reported_on = _dates(answer)
        for item in answer.get("evidence") or ():
            row = rows.get(item.get("evidence_id"))
            if row is None:
                continue
            item.update(
                content_type=row.content_type, size=row.size, filename=row.filename,
                captured_on=row.captured_on.isoformat() if row.captured_on else None,
                thumbnail=row.thumbnail_key is not None,
                also_in=sorted(filed[row.sha256] - {answer["id"]}),
                warnings=domain.capture_warnings(row.captured_on, held_on, reported_on,
                                                 CAPTURED_BEFORE_HELD_DAYS))
    return answers


def _dates(answer):
    held_on = date.fromisoformat(answer["held_on"])
    created = answer.get("created_at")
    if not created:
        return held_on, held_on
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return held_on, moment.astimezone(LOCAL).date()
