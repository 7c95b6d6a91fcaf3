"""Checks of files the public uploads (上传检查): images (JPEG, PNG) and PDF only, recognised by their
content (magic bytes, not the name or the browser's word), at most `GRIDDESK_PORTAL_UPLOAD_MAX_BYTES`
each and `GRIDDESK_PORTAL_UPLOAD_MAX_FILES` per submission. Accepted files are stored through the
order's evidence (orders.services.evidence_attach: outside the web root, with their SHA-256) under a
name of our own with the extension of their real type."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

# (leading bytes, type, extension)
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


@dataclass
class CheckedUpload:
    file: object
    content_type: str
    extension: str


def sniff(file):
    """(type, extension) of `file` from its first bytes, or None for anything else."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return next(((kind, ext) for magic, kind, ext in SIGNATURES if head.startswith(magic)), None)


def uploads_check(files):
    """(checked uploads, problem): every file of `files` checked; the problem names the first file
    refused and why (in the user's language), and then nothing is accepted."""
    files = [f for f in files if f is not None]
    limit, most = settings.GRIDDESK_PORTAL_UPLOAD_MAX_BYTES, settings.GRIDDESK_PORTAL_UPLOAD_MAX_FILES
    if len(files) > most:
        return [], _("最多上传 %(most)d 个文件，您选择了 %(n)d 个。") % {"most": most, "n": len(files)}
    checked = []
    for file in files:
        name = str(file.name or "")[:80]
        if file.size > limit:
            return [], _("文件“%(name)s”超过 %(size)s。") % {"name": name, "size": size_text(limit)}
        if not file.size:
            return [], _("文件“%s”是空文件。") % name
        kind = sniff(file)
        if kind is None:
            return [], _("文件“%s”不是 JPEG、PNG 图片或 PDF 文件（按文件内容判断，与扩展名无关）。") % name
        checked.append(CheckedUpload(file=file, content_type=kind[0], extension=kind[1]))
    return checked, None


def size_text(size):
    """5 MB, 512 KB: a size limit as people read it."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:g} MB"
    return f"{size / 1024:g} KB"


FORM_ALLOWANCE = 256 * 1024  # the form's own fields, besides its files


def body_too_large(request):
    """Why the request's body is refused outright (in the user's language), or None: more than the
    files allowed plus the form could ever need, said by its Content-Length, is answered 413 without
    checking or storing any of it. Django's CSRF check has parsed the body by then (large files are
    spooled to a temporary file): cap the body at the reverse proxy too (docs/portal.md)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    most = settings.GRIDDESK_PORTAL_UPLOAD_MAX_BYTES * settings.GRIDDESK_PORTAL_UPLOAD_MAX_FILES + FORM_ALLOWANCE
    if length > most:
        return _("提交的内容过大：附件最多 %(files)d 个，每个不超过 %(size)s。") % {
            "files": settings.GRIDDESK_PORTAL_UPLOAD_MAX_FILES,
            "size": size_text(settings.GRIDDESK_PORTAL_UPLOAD_MAX_BYTES)}
    return None
