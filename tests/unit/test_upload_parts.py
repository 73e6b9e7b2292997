"""storages.uploads without a server: rules, tokens, the widget's markup, part sizes, targets."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from storages.uploads.fields import DirectUploadField
from storages.uploads.rules import FileInfo, UploadRules, check_file, normalize_type
from storages.uploads.target import resolve
from storages.uploads.tokens import (
    Claim,
    TokenError,
    dump_claim,
    dump_ticket,
    load_claim,
    load_ticket,
)
from storages.uploads.views import part_size_for

MIB = 1024 * 1024


def claim(**changes) -> Claim:
    fields = {
        "field": "f",
        "storage": "default",
        "name": "docs/a_1234567.txt",
        "content_type": "text/plain",
        "min_size": 0,
        "max_size": 10,
        "user": "1",
        "expires": int(time.time()) + 60,
        "lifetime": 60,
    }
    return Claim(**{**fields, **changes})


def test_a_claim_round_trips_only_for_its_user_and_kind():
    token = dump_claim(claim())
    assert load_claim(token, multipart=False, user="1") == claim(expires=claim().expires)
    with pytest.raises(TokenError) as raised:
        load_claim(token, multipart=False, user="2")
    assert raised.value.code == "other_user"
    with pytest.raises(TokenError) as raised:
        load_claim(token, multipart=True, user="1")  # another salt
    assert raised.value.code == "invalid"


def test_an_anonymous_claim_is_for_anonymous_users_only():
    token = dump_claim(claim(user=None))
    assert load_claim(token, multipart=False, user=None).user is None
    with pytest.raises(TokenError):
        load_claim(token, multipart=False, user="1")


def test_expired_and_foreign_tokens_are_refused():
    with pytest.raises(TokenError) as raised:
        load_claim(dump_claim(claim(expires=int(time.time()) - 1)), multipart=False, user="1")
    assert raised.value.code == "expired"
    with override_settings(SECRET_KEY="another-site"):
        foreign = dump_claim(claim())
    for token in (foreign, None, 7, "", dump_ticket(UploadRules())):
        with pytest.raises(TokenError) as raised:
            load_claim(token, multipart=False, user="1")
        assert raised.value.code == "invalid"


def test_a_ticket_carries_the_rules():
    rules = UploadRules(upload_to="a/%Y", max_size=5, content_types=("image/",))
    assert load_ticket(dump_ticket(rules)) == rules
    with pytest.raises(TokenError):
        load_ticket(dump_claim(claim()))


def test_rules_refuse_impossible_values():
    for bad in (
        {"part_size": MIB},
        {"min_size": 5, "max_size": 4},
        {"expire": 0},
        {"min_size": -1},
    ):
        with pytest.raises(ValueError):
            UploadRules(**bad)


def test_rules_digests_tell_fields_apart():
    assert UploadRules(upload_to="a").digest() == UploadRules(upload_to="a").digest()
    assert UploadRules(upload_to="a").digest() != UploadRules(upload_to="b").digest()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("", "application/octet-stream"), ("Text/HTML; charset=utf-8", "text/html")],
)
def test_normalize_type(kind, expected):
    assert normalize_type(kind) == expected


def test_check_file_accepts_prefixes_and_exact_types():
    rules = UploadRules(content_types=("image/", "application/pdf"))
    assert check_file(rules, FileInfo("a", 1, "image/png")) is None
    assert check_file(rules, FileInfo("a", 1, "application/pdf")) is None
    assert check_file(rules, FileInfo("a", 1, "application/pdfx")) == (
        "Files of type application/pdfx are not accepted (accepted: image/*, application/pdf)."
    )
    assert check_file(rules, FileInfo("a", 1, "image/svg+xml")).startswith(
        "Files of type image/svg+xml are not accepted: a browser would run them"
    )


def test_part_size_grows_to_fit_10000_parts():
    assert part_size_for(10 * MIB, 8 * MIB) == 8 * MIB
    assert part_size_for(100_000 * MIB, 8 * MIB) == 10 * MIB
    assert part_size_for(100_001 * MIB, 8 * MIB) == 11 * MIB


@override_settings(ROOT_URLCONF="uploads_site")
def test_the_widget_renders_a_file_input_the_script_takes_over():
    field = DirectUploadField(upload_to="docs", content_types=["image/", "application/pdf"])
    html = field.widget.render("file", None, {"id": "id_file"})
    assert re.search(
        r'<input type="file" name="file" id="id_file" accept="image/\*,application/pdf">', html
    )
    assert '<input type="hidden" name="file_token" value=""' in html
    assert 'data-sign-url="/uploads/sign/"' in html
    assert 'data-abort-url="/uploads/abort/"' in html
    ticket = re.search(r'data-ticket="([^"]+)"', html)[1]
    assert load_ticket(ticket) == field.rules
    assert str(field.widget.media).count("storages/uploads/") == 2


def test_targets_name_a_storages_alias_or_a_model_field():
    with pytest.raises(ImproperlyConfigured, match="'nope' is not an alias of the STORAGES"):
        resolve(UploadRules(storage="nope"))
    with pytest.raises(ImproperlyConfigured, match="neither a STORAGES alias nor"):
        resolve(UploadRules(storage="auth.User.nope"))
    with pytest.raises(ImproperlyConfigured, match="is a CharField, not a FileField"):
        resolve(UploadRules(storage="auth.User.username"))
    with pytest.raises(ImproperlyConfigured, match="need an S3Storage; the storage 'staticfiles'"):
        resolve(replace(UploadRules(), storage="staticfiles"))
