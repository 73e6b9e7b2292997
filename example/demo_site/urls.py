"""One page: the upload form and the list of uploaded files."""

from django.urls import path

from . import views

urlpatterns = [path("", views.index, name="index")]
