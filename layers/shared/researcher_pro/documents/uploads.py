"""Where uploaded files land in the artifacts bucket, and the notice that one has landed.

Each document's file has a key of its own, `uploads/<tenant>/<document id>`, fixed in the upload's signed
policy, so a client can put nothing anywhere else. S3 announces every object created under `uploads/` to
EventBridge, whose rule (template.yaml, `DocumentUploadsRule`) puts the event on the tasks queue: the
task worker turns it into the first step of the document's extraction.
"""

from __future__ import annotations

import json
import re

from researcher_pro.tasks.messages import TaskMessage

UPLOADS_PREFIX = "uploads/"
_KEY = re.compile(r"^uploads/([A-Za-z0-9_-]{1,64})/(doc_[0-9a-f]{32})$")
EXTRACT_STEP = "extract"


def upload_key(tenant: str, document_id: str) -> str:
    return f"{UPLOADS_PREFIX}{tenant}/{document_id}"


def landed_upload(body: str) -> TaskMessage | None:
    """The extraction step a tasks-queue message asks for when it is EventBridge's "Object Created" event
    for an uploaded file; None for any other message."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created":
        return None
    detail = event.get("detail")
    key = detail.get("object", {}).get("key") if isinstance(detail, dict) else None
    found = _KEY.match(key) if isinstance(key, str) else None
    if found is None:
        return None
    tenant, document_id = found.groups()
    return TaskMessage(task_id=document_id, tenant=tenant, kind="document", step=EXTRACT_STEP)
