"""Document pages: the download of one version, for whoever may see it."""

from __future__ import annotations

import base64
import uuid

from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_http_methods

from procura.core.errors import NotFound
from procura.documents import access, selectors, services

# Who may see a document can change (a membership ends): caches keep it private and ask each time.
CACHE_CONTROL = "private, no-cache"


@require_http_methods(["GET", "HEAD"])
def document_download(request: HttpRequest, pk: uuid.UUID, file_name: str) -> HttpResponseBase:
    """The file as an attachment. Whoever may not see it, or while it is not servable (scan
    failed, pending, infected), gets the site's 404: nothing tells them it exists."""
    document = selectors.document_get(pk)
    if document is None or not access.can_view_document(request.user, document):
        raise Http404
    if file_name != document.file_name:
        return redirect(document.get_absolute_url())
    etag = f'"sha256-{document.sha256}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = CACHE_CONTROL
        return not_modified
    try:
        stream = services.document_open(document=document)
    except NotFound as exc:
        raise Http404 from exc
    response = FileResponse(stream, as_attachment=True, filename=document.file_name, content_type=document.media_type)
    digest = base64.b64encode(bytes.fromhex(document.sha256)).decode("ascii")
    response["Content-Length"] = str(document.size)
    response["ETag"] = etag
    response["Digest"] = f"sha-256={digest}"  # RFC 3230
    response["Repr-Digest"] = f"sha-256=:{digest}:"  # RFC 9530
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = CACHE_CONTROL
    return response
