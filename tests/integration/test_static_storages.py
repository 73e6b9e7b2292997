"""S3StaticStorage and S3ManifestStaticStorage behave as Django's own static storages.

Every manifest scenario runs Django's ManifestStaticFilesStorage on a local
directory next to ours on SeaweedFS, and compares names, files, URLs and errors.
"""

from __future__ import annotations

import io
import json
import re

import django
import pytest
import test_static_support as support
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.test import override_settings

from storages.backends.s3 import S3ManifestStaticStorage

pytestmark = pytest.mark.integration
make_site = support.make_site

MANIFEST = "storages.backends.s3.S3ManifestStaticStorage"
DJANGO_MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def render(source: str) -> str:
    return Template(source).render(Context())


def local_manifest(site: support.StaticSite, tmp_path, backend: str = DJANGO_MANIFEST) -> dict:
    target = tmp_path / "django"
    support.collect_locally(site.root, target, backend)
    return json.loads((target / "staticfiles.json").read_text())


# -- S3StaticStorage -----------------------------------------------------------


def test_static_tag_gives_a_stable_unsigned_url(make_site, s3_server):
    site = make_site()
    url = render("{% static 'css/app.css' %}")
    assert url == f"{s3_server.endpoint_url}/{site.bucket}/css/app.css"
    assert render("{% static 'css/app.css' %}") == url


def test_static_tag_on_a_custom_domain(make_site):
    make_site(custom_domain="cdn.example.com", location="static")
    assert render("{% static 'css/app css.css' %}") == (
        "https://cdn.example.com/static/css/app%20css.css"
    )


def test_querystring_auth_in_options_still_signs(make_site):
    make_site(querystring_auth=True)
    assert "Signature=" in render("{% static 'css/app.css' %}")


# -- S3ManifestStaticStorage ---------------------------------------------------


def test_manifest_matches_djangos_and_static_tag_uses_hashed_names(make_site, tmp_path, s3_server):
    site = make_site(MANIFEST)
    site.collectstatic()
    expected = local_manifest(site, tmp_path)
    stored = json.loads(site.bucket_objects()["staticfiles.json"])
    assert stored == expected
    hashed = expected["paths"]["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
    assert render("{% static 'css/app.css' %}") == (
        f"{s3_server.endpoint_url}/{site.bucket}/{hashed}"
    )
    # A fragment and the @font-face "?#" hack survive, as in Django.
    assert render("{% static 'css/app.css#top' %}").endswith(f"/{hashed}#top")


def test_a_new_storage_reads_the_manifest_from_s3(make_site, s3_server):
    site = make_site(MANIFEST)
    site.collectstatic()
    fresh = S3ManifestStaticStorage(**s3_server.storage_options(site.bucket))
    assert fresh.hashed_files == site.storage.hashed_files
    assert fresh.url("img/logo.png") == site.storage.url("img/logo.png")


def test_missing_manifest_entry_raises_djangos_error(make_site):
    site = make_site(MANIFEST)
    site.collectstatic()
    with pytest.raises(
        ValueError, match=re.escape("Missing staticfiles manifest entry for 'css/missing.css'")
    ):
        render("{% static 'css/missing.css' %}")


class LaxManifest(S3ManifestStaticStorage):
    manifest_strict = False


def test_lax_manifest_hashes_a_missing_entry_from_s3_or_raises(make_site, s3_server):
    site = make_site("test_static_storages.LaxManifest")
    site.collectstatic()
    storage = site.storage
    site.counter.reset()
    site.client.put_object(Bucket=site.bucket, Key="late.txt", Body=b"late")
    # Outside collectstatic the storage asks S3: HEAD, then GET to hash.
    url = storage.url("late.txt")
    assert re.fullmatch(
        rf"{re.escape(s3_server.endpoint_url)}/{site.bucket}/late\.[0-9a-f]{{12}}\.txt", url
    )
    counts = site.counter.by_operation()
    assert set(counts) == {"HeadObject", "GetObject"}
    with pytest.raises(
        ValueError,
        match=re.escape(f"The file 'nowhere.css' could not be found with {storage!r}."),
    ):
        storage.url("nowhere.css")


def test_debug_serves_unhashed_names(make_site, s3_server):
    site = make_site(MANIFEST)
    site.collectstatic()
    with override_settings(DEBUG=True):
        assert render("{% static 'css/app.css' %}") == (
            f"{s3_server.endpoint_url}/{site.bucket}/css/app.css"
        )


class KeepIntermediateS3(S3ManifestStaticStorage):
    keep_intermediate_files = True


class KeepIntermediateLocal(ManifestStaticFilesStorage):
    keep_intermediate_files = True


def test_keep_intermediate_files_writes_what_django_writes(make_site, tmp_path):
    site = make_site("test_static_storages.KeepIntermediateS3")
    site.collectstatic()
    target = tmp_path / "django"
    support.collect_locally(site.root, target, "test_static_storages.KeepIntermediateLocal")
    assert site.bucket_objects() == support.tree_files(target)
    assert "GetObject" not in site.counter.by_operation()


CIRCULAR = {
    "css/a.css": b'.a { background: url("b.css"); }\n',
    "css/b.css": b'.b { background: url("a.css"); }\n',
}


class TwoPassesS3(S3ManifestStaticStorage):
    max_post_process_passes = 2


class TwoPassesLocal(ManifestStaticFilesStorage):
    max_post_process_passes = 2


#: Django 6.1's collectstatic turns a post-processing error into a CommandError.
POST_PROCESS_ERROR = CommandError if django.VERSION >= (6, 1) else RuntimeError


def collect_error(backend_setup) -> BaseException:
    with pytest.raises(POST_PROCESS_ERROR) as info:
        backend_setup()
    if POST_PROCESS_ERROR is CommandError:
        assert type(info.value.__cause__) is RuntimeError
    return info.value


def test_max_post_process_passes_fails_as_django_does(make_site, tmp_path):
    site = make_site("test_static_storages.TwoPassesS3", sources=CIRCULAR)
    ours = collect_error(site.collectstatic)
    theirs = collect_error(
        lambda: support.collect_locally(
            site.root, tmp_path / "django", "test_static_storages.TwoPassesLocal"
        )
    )
    assert str(ours) == str(theirs) == "Max post-process passes exceeded."


def test_a_reference_to_a_missing_file_fails_as_django_does(make_site, tmp_path):
    sources = {"css/app.css": b'.x { background: url("../img/gone.png"); }\n'}
    site = make_site(MANIFEST, sources=sources)
    storage = site.storage
    error = CommandError if POST_PROCESS_ERROR is CommandError else ValueError
    with pytest.raises(error) as ours:
        site.collectstatic()
    with pytest.raises(error) as theirs:
        support.collect_locally(site.root, tmp_path / "django", DJANGO_MANIFEST)
    message = f"The file 'img/gone.png' could not be found with {storage!r}."
    if django.VERSION >= (6, 1):
        # Django 6.1 adds a note naming the file and line, and reports it as a CommandError.
        message += (
            "\n'css/app.css' contains this reference 'url(\"../img/gone.png\")' on line "
            '\n1: .x { background: url("../img/gone.png"); }'
        )
        assert type(ours.value.__cause__) is ValueError
    assert str(ours.value) == message
    # Django's own storage has another repr; the rest of its message is the same.
    assert re.fullmatch(
        re.escape(message).replace(re.escape(repr(storage)), ".+"), str(theirs.value)
    )


def test_hashed_files_get_the_cache_control_asked_for(make_site, s3_client):
    forever = "public, max-age=31536000, immutable"
    site = make_site(
        MANIFEST,
        hashed_files_cache_control=forever,
        object_parameters={"CacheControl": "max-age=60"},
    )
    site.collectstatic()
    manifest = site.storage.hashed_files
    for original, hashed in manifest.items():
        head = s3_client.head_object(Bucket=site.bucket, Key=hashed)
        assert head["CacheControl"] == forever, hashed
        head = s3_client.head_object(Bucket=site.bucket, Key=original)
        assert head["CacheControl"] == "max-age=60", original
    head = s3_client.head_object(Bucket=site.bucket, Key="staticfiles.json")
    assert head["CacheControl"] == "max-age=60"


def test_without_the_option_hashed_files_get_the_usual_parameters(make_site, s3_client):
    site = make_site(MANIFEST)
    site.collectstatic()
    hashed = site.storage.hashed_files["css/app.css"]
    assert "CacheControl" not in s3_client.head_object(Bucket=site.bucket, Key=hashed)


def test_post_process_outside_collectstatic_still_hashes_locally(make_site):
    site = make_site(MANIFEST)
    storage = storages["staticfiles"]
    from django.contrib.staticfiles.finders import get_finders

    paths = {}
    for finder in get_finders():
        for path, source in finder.list([]):
            paths[path] = (source, path)
            with source.open(path) as content:
                storage.save(path, content)
    site.counter.reset()
    results = list(storage.post_process(paths))
    assert len(results) == len(support.SOURCES)
    assert "GetObject" not in site.counter.by_operation()
    assert all(not isinstance(processed, Exception) for _, _, processed in results)


def test_collectstatic_output_matches_djangos_counts(make_site, tmp_path):
    site = make_site(MANIFEST)
    ours = site.collectstatic()
    out = io.StringIO()
    with override_settings(
        STORAGES=support.staticfiles_settings(DJANGO_MANIFEST, {}),
        STATIC_ROOT=str(tmp_path / "django"),
    ):
        call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
    theirs = out.getvalue().strip().splitlines()[-1]
    assert ours.strip().splitlines()[-1] == re.sub(r" to '[^']*'", "", theirs)
