"""The demo page: upload a file through Django or straight to S3; list the uploads."""

import posixpath
from urllib.parse import urlencode

from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from storages.uploads.fields import DirectUploadField, DirectUploadFormMixin
from storages.uploads.rules import FileInfo, UploadRules

#: Uploads live under this prefix of the media bucket.
UPLOADS = "uploads/"
MIB = 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField()


class DirectUploadForm(DirectUploadFormMixin, forms.Form):
    """The browser sends the file to S3; the form submits a token for it."""

    file = DirectUploadField(
        upload_to=UPLOADS,
        max_size=2 * 1024 * MIB,
        multipart_threshold=8 * MIB,  # larger files go up in parts, 4 at a time
        part_size=5 * MIB,
    )


def anyone(request: HttpRequest, rules: UploadRules, file: FileInfo) -> UploadRules:
    """The demo's upload policy: it has no users, so anyone may upload within the rules."""
    return rules


def uploaded_files() -> list[dict[str, object]]:
    """Return name, size and presigned URL of every upload, by name."""
    _, names = default_storage.listdir(UPLOADS)
    return [
        {
            "name": name,
            "size": default_storage.size(UPLOADS + name),
            "url": default_storage.url(UPLOADS + name),
        }
        for name in sorted(names)
    ]


def save_upload(upload: UploadedFile) -> str:
    """Save a file sent through Django; return its name."""
    # A browser sends only the base name, but a client may send a path.
    name = default_storage.get_valid_name(posixpath.basename(upload.name or "file"))
    return default_storage.save(UPLOADS + name, upload)


def index(request: HttpRequest) -> HttpResponse:
    """Show the forms and the uploads; record what either form posted."""
    form = UploadForm()
    direct_form = DirectUploadForm(prefix="direct", request=request)
    if request.method == "POST" and "direct" in request.POST:
        direct_form = DirectUploadForm(
            request.POST, request.FILES, prefix="direct", request=request
        )
        if direct_form.is_valid():
            upload = direct_form.cleaned_data["file"]
            # The storage name of a verified direct upload; a file without JavaScript.
            saved = upload if isinstance(upload, str) else save_upload(upload)
            return redirect(reverse("index") + "?" + urlencode({"saved": saved}))
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            saved = save_upload(form.cleaned_data["file"])
            return redirect(reverse("index") + "?" + urlencode({"saved": saved}))
    context = {
        "form": form,
        "direct_form": direct_form,
        "files": uploaded_files(),
        "saved": request.GET.get("saved"),
    }
    return render(request, "demo_site/index.html", context)
