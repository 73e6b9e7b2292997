"""URL patterns of the direct upload views: ``path("uploads/", include("storages.uploads.urls"))``.

The names live in the ``storages_uploads`` namespace (``sign``, ``parts``,
``complete``, ``abort``); the widget finds the views through them.
"""

from django.urls import path

from . import views

app_name = "storages_uploads"

urlpatterns = [
    path("sign/", views.SignView.as_view(), name="sign"),
    path("parts/", views.PartsView.as_view(), name="parts"),
    path("complete/", views.CompleteView.as_view(), name="complete"),
    path("abort/", views.AbortView.as_view(), name="abort"),
]
