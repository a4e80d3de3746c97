"""What an evidence upload may be: its size limit and its type, read from the content.

Field officers attach what they have: PDFs, office documents (Word, Excel, PowerPoint, OpenDocument, and the
older binary formats), JPEG and PNG photos. The type is decided from the first bytes and, for the zip-based
formats, from the names inside the archive; the uploaded name and the browser's content type are ignored.
"""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
# A zip-based document with more members than this is not an office file someone saved.
MAX_ZIP_MEMBERS = 5_000

# kind -> (extension, content type served on download)
KINDS = {
    "pdf": (".pdf", "application/pdf"),
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odf": (".odt", "application/vnd.oasis.opendocument.text"),
    "ole": (".doc", "application/msword"),
    "jpeg": (".jpg", "image/jpeg"),
    "png": (".png", "image/png"),
}
ODF_EXTENSIONS = {
    b"application/vnd.oasis.opendocument.text": ".odt",
    b"application/vnd.oasis.opendocument.spreadsheet": ".ods",
    b"application/vnd.oasis.opendocument.presentation": ".odp",
}


def _zip_kind(content: bytes) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if len(names) > MAX_ZIP_MEMBERS:
                return None
            if "[Content_Types].xml" in names:
                for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
                    if any(n.startswith(prefix) for n in names):
                        return kind, KINDS[kind][0]
                return None
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].strip()
                if mimetype in ODF_EXTENSIONS:
                    return "odf", ODF_EXTENSIONS[mimetype]
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def sniff(content: bytes) -> tuple[str, str] | None:
    """(kind, extension) of an accepted file, from its content; None for anything else."""
    if content.startswith(b"%PDF-"):
        return "pdf", ".pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", ".png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg", ".jpg"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole", ".doc"
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    return None


def read_checked(uploaded_file) -> tuple[bytes, str, str]:
    """The upload's bytes, kind and extension; ValidationError on `file` when too large, empty or not accepted.

    The size is checked before the content is read (the upload handler already knows it).
    """
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}})
    uploaded_file.seek(0)
    content = uploaded_file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}})
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    found = sniff(content)
    if found is None:
        raise ValidationError(
            {
                "file": _(
                    "Attach a PDF, an office document (Word, Excel, PowerPoint, OpenDocument) or a JPEG or PNG photo."
                )
            }
        )
    return content, found[0], found[1]


def content_type_of(kind: str, extension: str) -> str:
    if kind == "odf":
        return {
            ".ods": "application/vnd.oasis.opendocument.spreadsheet",
            ".odp": "application/vnd.oasis.opendocument.presentation",
        }.get(extension, KINDS["odf"][1])
    return KINDS[kind][1]


def attachment_response(attachment):
    """The download of an evidence file: always as an attachment, its type the sniffed one, never run by the
    browser (nosniff, sandboxed); Http404 when the stored file is gone. The caller checked who may see it."""
    from django.http import FileResponse, Http404

    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=content_type_of(attachment.kind, attachment.extension),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
