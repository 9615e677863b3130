"""Evidence files: an upload the gateway streamed to the blob store becomes a file kept
here (stripped, with a thumbnail), is read for serving, and is removed when no activity
took it within a day.

The bytes never come over the broker: the gateway names the staged blob, this service
reads it from the store, proves it whole and writes what is served. No transaction is
open while it does (blob I/O and image work wait; the unit of work comes after).
"""
import hashlib
import logging
from datetime import timedelta

import eventlet
from eventlet import tpool
from eventlet.semaphore import Semaphore
from sqlalchemy import delete, func, or_, select

from services.activities import contract, files, imaging
from services.activities.entrypoints.base import Shared
from services.activities.models import EvidenceFile
from services.common.blobs import BlobMissing, content_key
from services.common.clock import utcnow
from services.common.errors import Invalid, NotFound, expected_rpc
from services.common.lookup import storable_id
from services.common.schema import load
from services.common.timers import every

log = logging.getLogger(__name__)
rpc = expected_rpc()
FILE_OUT = contract.EvidenceFileOut()
SWEEP_BATCH = 500
_gates = {}  # images decoded at once in this process, per limit (setting)


def _gate(limit):
    if limit not in _gates:
        _gates[limit] = Semaphore(max(1, limit))
    return _gates[limit]


class EvidenceEntrypoints(Shared):
    """Expects self.blobs (services.common.dependencies.Blobs)."""

    @rpc
    def register_evidence(self, payload, actor):
        """The upload staged at payload's staging_key becomes actor's file; a file that
        is not whole (an empty or truncated image, a cut PDF) is a 422 and is removed."""
        data = load(contract.EvidenceRegister(), payload)
        prepared = self._prepared(data)
        stored_key = self._keep(prepared.stored)
        thumbnail_key = self._keep(prepared.thumbnail) if prepared.thumbnail else None
        self.blobs.delete(data["staging_key"])
        with self.db.unit_of_work() as uow:
            row = EvidenceFile(
                sha256=data["sha256"], size=data["size"], content_type=data["content_type"],
                filename=data["filename"] or "file", uploaded_by=actor, uploaded_at=utcnow(),
                captured_on=prepared.captured_on, width=prepared.width, height=prepared.height,
                stored_key=stored_key, stored_size=len(prepared.stored),
                thumbnail_key=thumbnail_key)
            uow.session.add(row)
            uow.session.flush()
            answer = FILE_OUT.dump(files.evidence_fields(row))
        return answer

    def _prepared(self, data):
        try:
            raw = self.blobs.read_bytes(data["staging_key"])
        except BlobMissing:
            raise Invalid("the upload is not in the store",
                          {"file": ["the upload was not found: upload it again"]}) from None
        if len(raw) != data["size"] or hashlib.sha256(raw).hexdigest() != data["sha256"]:
            self.blobs.delete(data["staging_key"])
            raise Invalid("the upload changed in the store",
                          {"file": ["the stored upload does not match: upload it again"]})
        try:
            with _gate(self.config.evidence_processing_threads):
                # Pillow decodes in C: in a thread, so the hub serves other workers
                return tpool.execute(imaging.prepare, raw, data["content_type"])
        except imaging.Unreadable as exc:
            self.blobs.delete(data["staging_key"])
            raise Invalid("the file cannot be kept", {"file": [str(exc)]}) from None

    def _keep(self, content):
        """Store bytes under their own hash (the same bytes once); writing them again
        refreshes the blob's time, which the sweep reads."""
        key = content_key(hashlib.sha256(content).hexdigest())
        self.blobs.put_bytes(key, content)
        return key

    @rpc
    def evidence_file(self, evidence_id):
        """A file's facts, with where its bytes are (for the gateway to authorise and
        serve it)."""
        with self.db.session() as session:
            row = session.get(EvidenceFile, evidence_id) if storable_id(evidence_id) else None
            if row is None:
                raise NotFound("no such file", {"evidence_id": evidence_id})
            return FILE_OUT.dump(files.evidence_fields(row))

    # removing what no activity took --------------------------------------------------
    @every("evidence_sweep_seconds")
    def sweep_evidence(self):
        try:
            removed = self.remove_unattached()
        except Exception:  # a store or database that is away: the next tick tries again
            log.exception("the sweep of unattached evidence failed")
            return
        if removed:
            log.info("removed %d unattached evidence files", removed)

    def remove_unattached(self, now=None):
        """Files never attached (or detached by an edit) longer than the setting allows,
        their blobs when no other file shares them, and uploads a crash left staged."""
        keep = timedelta(seconds=self.config.evidence_keep_unattached_seconds)
        cutoff = (now or utcnow()) - keep
        with self.db.unit_of_work() as uow:
            rows = uow.session.scalars(select(EvidenceFile).where(
                EvidenceFile.activity_id.is_(None),
                func.coalesce(EvidenceFile.detached_at, EvidenceFile.uploaded_at) < cutoff)
                .limit(SWEEP_BATCH)).all()
            keys = {key for row in rows for key in (row.stored_key, row.thumbnail_key) if key}
            # only those still unattached: an attach that commits first keeps its file
            uow.session.execute(delete(EvidenceFile).where(
                EvidenceFile.id.in_([row.id for row in rows]),
                EvidenceFile.activity_id.is_(None)))
        removed = len(rows)
        self._remove_blobs(keys, cutoff)
        for key, modified in list(self.blobs.keys("staging/")):
            if modified < cutoff:
                self.blobs.delete(key)
        self.blobs.sweep_temporary(keep.total_seconds())
        return removed

    def _remove_blobs(self, keys, cutoff):
        if not keys:
            return
        with self.db.session() as session:
            referenced = set(session.scalars(select(EvidenceFile.stored_key).where(
                EvidenceFile.stored_key.in_(keys)))) | set(session.scalars(
                    select(EvidenceFile.thumbnail_key).where(or_(
                        EvidenceFile.thumbnail_key.in_(keys)))))
        for key in keys - referenced:
            try:
                # a blob written again since the cutoff belongs to an upload in progress
                if self.blobs.modified_at(key) < cutoff:
                    self.blobs.delete(key)
            except BlobMissing:
                pass
            eventlet.sleep(0)  # many deletes must not hold the hub
