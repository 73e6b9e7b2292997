"""One page (the upload forms and the list of uploaded files), and the direct upload views."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("uploads/", include("storages.uploads.urls")),
]
