"""Evidence files: uploads (streamed to the blob store, registered with the activities
service, which keeps them) and the files served back to those who may read them."""
from urllib.parse import quote

from werkzeug.wrappers import Response

from gateway import policy
from gateway.api import route
from gateway.errors import ApiError
from gateway.rpc import call as rpc_call
from services.activities import contract as c
from services.common.blobs import BlobMissing, staging_key

# turning a 10 MiB photo into what is kept takes a second or two, more while others
# queue for the service's image threads: several ordinary RPC deadlines
REGISTER_DEADLINES = 6
ANSWER_FIELDS = tuple(c.EvidenceOut().fields)
FILE_TYPES = list(c.ACCEPTED_TYPES)


def not_found(evidence_id):
    return ApiError(404, "NOT_FOUND", "evidence file %s not found" % evidence_id)


class EvidenceRoutes:
    @route("POST", "/api/v1/evidence", roles=policy.REPORTERS, upload=True, creates=True,
           status=201, response=c.EvidenceOut,
           summary="Upload a photo, sign-in sheet or receipt (multipart/form-data, one part "
                   "`file`: JPEG, PNG, WebP or PDF, at most 10 MiB); report it as "
                   "{\"kind\", \"evidence_id\"}. A file never attached is removed after a day")
    def upload_evidence(self, call):
        upload = call.upload
        key = staging_key()
        self.blobs.put_file(key, upload.path)
        try:
            answer = rpc_call(self.activities, "register_evidence", {
                "staging_key": key, "sha256": upload.sha256, "size": upload.size,
                "content_type": upload.content_type, "filename": upload.filename},
                call.user.username, timeout=REGISTER_DEADLINES * self.config.rpc_timeout)
        except Exception:
            self.blobs.delete(key)  # the service removes it too when it refuses the file
            raise
        # the service's answer also says where the bytes are: not the client's business
        return {name: answer[name] for name in ANSWER_FIELDS}

    @route("GET", "/api/v1/evidence/<int:evidence_id>", roles=policy.ACTIVITY_READERS,
           produces=FILE_TYPES,
           summary="An evidence file's bytes (a photo without its location and device "
                   "data): its uploader, and once attached whoever may read the activity")
    def evidence_file(self, call, evidence_id):
        found = self._readable_file(call.user, evidence_id)
        return self._file_response(found, found["stored_key"], found["content_type"])

    @route("GET", "/api/v1/evidence/<int:evidence_id>/thumbnail",
           roles=policy.ACTIVITY_READERS, produces=["image/jpeg"],
           summary="A photo's thumbnail (JPEG, at most 320 px); 404 for a PDF")
    def evidence_thumbnail(self, call, evidence_id):
        found = self._readable_file(call.user, evidence_id)
        if not found["thumbnail_key"]:
            raise ApiError(404, "NOT_FOUND", "this file has no thumbnail (it is not a photo)")
        return self._file_response(found, found["thumbnail_key"], "image/jpeg")

    def _readable_file(self, user, evidence_id):
        """The file's facts when the caller may read it; 404 alike for a file that does
        not exist and one that is not the caller's to read."""
        try:
            found = self._rpc("activities", "evidence_file", evidence_id)
        except ApiError as exc:
            if exc.status == 404:
                raise not_found(evidence_id) from None
            raise
        if found["uploaded_by"] == user.username:
            return found
        if found["activity_id"] is not None:
            activity = self._rpc("activities", "get_activity", found["activity_id"])
            if policy.may_read_activity(user, activity):
                return found
        raise not_found(evidence_id)

    def _file_response(self, found, key, content_type):
        try:
            size = self.blobs.size(key)
            chunks = self.blobs.chunks(key)
        except BlobMissing:
            raise ApiError(404, "NOT_FOUND",
                           "the file's bytes are missing from the store") from None
        response = Response(chunks, status=200, mimetype=content_type, direct_passthrough=True)
        response.headers["Content-Length"] = str(size)
        response.headers["Content-Disposition"] = "inline; filename*=UTF-8''%s" % quote(
            found["filename"])
        # the bytes under a key never change; only their reader may keep them
        response.headers["Cache-Control"] = "private, max-age=86400, immutable"
        response.headers["ETag"] = '"%s"' % key.rsplit("/", 1)[-1]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
