"""Django settings for the test suite.

A settings module rather than ``settings.configure()``: with configure(),
Django 4.2 counts STATICFILES_STORAGE and DEFAULT_FILE_STORAGE as set by the
user and rebuilds STORAGES from them, dropping every OPTIONS.
"""

DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
SECRET_KEY = "tests-only-not-secret"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "storages",
    "storages.uploads",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
STATIC_URL = "/static/"
# Collect only the test sites' own folders: the installed apps' static files
# (storages.uploads' widget script and stylesheet) would change every count.
STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"builtins": ["django.templatetags.static"]},
    }
]
