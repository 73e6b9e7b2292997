"""The demo page: upload a file to S3, list the uploads with their presigned URLs."""

import posixpath
from urllib.parse import urlencode

from django import forms
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

#: Uploads live under this prefix of the media bucket.
UPLOADS = "uploads/"


class UploadForm(forms.Form):
    file = forms.FileField()


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


def index(request: HttpRequest) -> HttpResponse:
    """Show the form and the uploads; save a posted file through default_storage."""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # A browser sends only the base name, but a client may send a path.
            name = default_storage.get_valid_name(posixpath.basename(upload.name))
            saved = default_storage.save(UPLOADS + name, upload)
            return redirect(reverse("index") + "?" + urlencode({"saved": saved}))
    else:
        form = UploadForm()
    context = {"form": form, "files": uploaded_files(), "saved": request.GET.get("saved")}
    return render(request, "demo_site/index.html", context)
