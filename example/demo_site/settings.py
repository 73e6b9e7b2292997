"""Settings of the demo site: media through S3Storage, static files through S3ManifestStaticStorage.

``example/run.py`` starts the S3 server and passes its address and keys in
``DEMO_*`` environment variables, which every process Django's autoreloader
starts inherits.
"""

import json
import os

from django.core.exceptions import ImproperlyConfigured


def _env(name: str) -> str:
    try:
        return os.environ[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"{name} is not set. Start the demo with scripts/demo.sh (or python example/run.py): "
            "it starts the S3 server and passes its address and keys to Django."
        ) from None


# DEBUG stays off so that {% static %} gives the hashed names of the manifest.
DEBUG = False
SECRET_KEY = _env("DEMO_SECRET_KEY")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "storages",  # system checks and manage.py s3probe
    "storages.uploads",  # the direct upload widget's template and script
    "demo_site",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "demo_site.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES: dict[str, dict[str, str]] = {}  # the demo keeps everything in S3
USE_TZ = True
TIME_ZONE = "UTC"

S3 = {
    "endpoint_url": _env("DEMO_S3_ENDPOINT_URL"),
    "access_key": _env("DEMO_S3_ACCESS_KEY"),
    "secret_key": _env("DEMO_S3_SECRET_KEY"),
    "region_name": "us-east-1",
    "signature_version": "s3v4",
}
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        # Private files, shared through presigned URLs valid for 10 minutes.
        "OPTIONS": {
            **S3,
            "bucket_name": "demo-media",
            "file_overwrite": False,
            "querystring_expire": 600,
            # To see the checks and the probe catch a mistake, e.g.:
            # DEMO_MEDIA_OPTIONS='{"default_acl": "public-read"}' ./scripts/demo.sh s3probe
            **json.loads(os.environ.get("DEMO_MEDIA_OPTIONS", "{}")),
        },
    },
    "staticfiles": {
        "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
        # Plain URLs: a bucket policy lets anyone read this bucket (see run.py).
        "OPTIONS": {**S3, "bucket_name": "demo-static", "location": "static"},
    },
}
STATIC_URL = "/static/"  # required by Django; the URLs come from the storage

# Who may upload straight to S3: the demo has no users, so anyone (see views.py).
STORAGES_UPLOAD_POLICY = "demo_site.views.anyone"

# With DEBUG off, Django would mail errors to ADMINS; print them instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "INFO"}},
}
