"""Benchmark url() against boto3's generate_presigned_url, measured in the same run.

Run:  .venv/bin/python benchmarks/bench_url.py [--names 1000] [--rounds 7]

No server is needed: presigning, unsigned and custom-domain URLs make no
request. Each scenario builds URLs for --names distinct names per round, in
blocks that alternate between s3storages and the boto3 baseline so that both
see the same machine load; the best block of each is kept. "First url()"
scenarios time one call each on a fresh thread or a fresh storage instance
(median of --first samples), or for a configuration not seen before (median of
--cold samples, each paired with the reference's session + resource). The
closing lines check the targets of issue 4; the last line is the results as
JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import django
from django.conf import settings

if not settings.configured:
    settings.configure(USE_TZ=True, SECRET_KEY="benchmark-only")
    django.setup()

import boto3
import botocore
from botocore.config import Config
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils.encoding import filepath_to_uri

from storages.backends._s3.urls.url import utcnow
from storages.backends.s3 import S3Storage

KEYS = {"access_key": "AKIDEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
BUCKET = "my-bucket"
REGION = "eu-west-1"
#: The store as the application reaches it, and as browsers do (public_endpoint_url).
INNER = "http://seaweedfs:8333"
PUBLIC = "https://files.example.com"


def compare(
    ours: Callable[[str], Any],
    theirs: Callable[[str], Any],
    names: list[str],
    rounds: int,
    block: int = 50,
) -> tuple[float, float]:
    """Return the best seconds per call of each, over interleaved blocks of ``block`` names.

    Alternating small blocks gives both sides the same share of a busy
    machine; the best block of each side is its speed when undisturbed.
    """
    ours(names[0])
    theirs(names[0])
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for start in range(0, len(names), block):
            chunk = names[start : start + block]
            for side, fn in enumerate((ours, theirs)):
                gc.disable()
                began = time.perf_counter()
                for name in chunk:
                    fn(name)
                elapsed = time.perf_counter() - began
                gc.enable()
                best[side] = min(best[side], elapsed / len(chunk))
    return best[0], best[1]


def storage(**options: Any) -> S3Storage:
    return S3Storage(bucket_name=BUCKET, region_name=REGION, location="media", **KEYS, **options)


def boto3_client(signature_version: Any, endpoint_url: str | None = None) -> Any:
    session = boto3.Session(
        aws_access_key_id=KEYS["access_key"], aws_secret_access_key=KEYS["secret_key"]
    )
    config = Config(s3={"addressing_style": None}, signature_version=signature_version)
    return session.client("s3", region_name=REGION, config=config, endpoint_url=endpoint_url)


def boto3_presign(client: Any, **extra: Any) -> Callable[[str], str]:
    params = extra.pop("Params", {})

    def presign(name: str) -> str:
        url: str = client.generate_presigned_url(
            "get_object",
            Params={**params, "Bucket": BUCKET, "Key": "media/" + name},
            ExpiresIn=3600,
            **extra,
        )
        return url

    return presign


def first_call_on_new_threads(fn: Callable[[], Any], samples: int) -> float:
    """Return the median seconds of ``fn()`` run once on each of ``samples`` new threads."""
    durations: list[float] = []

    def run() -> None:
        start = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - start)

    for _ in range(samples):
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    return statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--first", type=int, default=25, help="samples of first-url scenarios")
    parser.add_argument("--cold", type=int, default=5, help="samples of new configurations")
    args = parser.parse_args()
    names = [f"products/{i // 50}/photo-{i}.jpg" for i in range(args.names)]
    rows: dict[str, dict[str, Any]] = {}

    def record(scenario: str, ours: float, theirs: float, baseline: str) -> None:
        rows[scenario] = {
            "ours_us": ours * 1e6,
            "baseline_us": theirs * 1e6,
            "baseline": baseline,
            "ratio": theirs / ours,
        }

    # -- presigned and unsigned S3 URLs ------------------------------------------------
    v4 = storage(signature_version="s3v4")
    ours, theirs = compare(v4.url, boto3_presign(boto3_client("s3v4")), names, args.rounds)
    record("presigned SigV4", ours, theirs, "client.generate_presigned_url (s3v4)")

    v2 = storage()  # botocore's default for presigned URLs in eu-west-1 is SigV2
    ours, theirs = compare(v2.url, boto3_presign(boto3_client(None)), names, args.rounds)
    record("presigned default (SigV2 here)", ours, theirs, "client.generate_presigned_url")

    disposition = {"ResponseContentDisposition": 'attachment; filename="photo ü.jpg"'}

    def v4_params(name: str) -> str:
        return v4.url(name, parameters=disposition, http_method="PUT")

    baseline = boto3_presign(boto3_client("s3v4"), Params=disposition, HttpMethod="PUT")
    ours, theirs = compare(v4_params, baseline, names, args.rounds)
    record("presigned SigV4 + parameters, PUT", ours, theirs, "same, through boto3")

    unsigned = storage(querystring_auth=False)
    ours, theirs = compare(
        unsigned.url, boto3_presign(boto3_client(botocore.UNSIGNED)), names, args.rounds
    )
    record("querystring_auth=False", ours, theirs, "unsigned client.generate_presigned_url")

    # -- a public endpoint: requests go to INNER, URLs are for PUBLIC --------------------
    public = storage(signature_version="s3v4", endpoint_url=INNER, public_endpoint_url=PUBLIC)
    baseline = boto3_presign(boto3_client("s3v4", PUBLIC))
    ours, theirs = compare(public.url, baseline, names, args.rounds)
    record("public endpoint, SigV4", ours, theirs, "generate_presigned_url, PUBLIC client")

    public_unsigned = storage(
        querystring_auth=False, endpoint_url=INNER, public_endpoint_url=PUBLIC
    )
    baseline = boto3_presign(boto3_client(botocore.UNSIGNED, PUBLIC))
    ours, theirs = compare(public_unsigned.url, baseline, names, args.rounds)
    record("public endpoint, unsigned", ours, theirs, "unsigned, PUBLIC client")

    # -- a reuse window: URLs signed as of the window's start, for expire + window --------
    reused = storage(signature_version="s3v4", querystring_reuse_window=900)
    ours, theirs = compare(reused.url, boto3_presign(boto3_client("s3v4")), names, args.rounds)
    record("reuse window 900 s, SigV4", ours, theirs, "client.generate_presigned_url (s3v4)")

    reused_v2 = storage(querystring_reuse_window=900)
    ours, theirs = compare(reused_v2.url, boto3_presign(boto3_client(None)), names, args.rounds)
    record("reuse window 900 s, default (SigV2)", ours, theirs, "client.generate_presigned_url")

    # -- custom domain and CloudFront -------------------------------------------------
    domain = storage(custom_domain="cdn.example.com")

    def fstring_and_quote(name: str) -> str:
        return f"{domain.url_protocol}//{domain.custom_domain}/{filepath_to_uri(domain._key(name))}"

    ours, theirs = compare(domain.url, fstring_and_quote, names, args.rounds)
    record("custom domain", ours, theirs, "f-string + filepath_to_uri(_key(name))")

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    cloudfront = storage(
        custom_domain="cdn.example.com", cloudfront_key_id="K2JCJMDEHXQW5F", cloudfront_key=pem
    )
    policy = (
        b'{"Statement":[{"Resource":"https://cdn.example.com/media/products/0/photo-0.jpg",'
        b'"Condition":{"DateLessThan":{"AWS:EpochTime":1767229200}}}]}'
    )
    pkcs1v15, sha1 = padding.PKCS1v15(), hashes.SHA1()  # noqa: S303 - CloudFront's algorithm
    few = names[: max(50, args.names // 10)]  # RSA dominates: fewer names, smaller blocks

    def bare_sign(_name: str) -> bytes:
        return key.sign(policy, pkcs1v15, sha1)

    ours, theirs = compare(cloudfront.url, bare_sign, few, args.rounds, block=5)
    record("CloudFront signed (cryptography)", ours, theirs, "bare RSA-SHA1 sign of a policy")

    botocore_signer = CloudFrontSigner(
        "K2JCJMDEHXQW5F",
        lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()),  # noqa: S303
    )

    def botocore_cloudfront(name: str) -> str:
        # The reference's custom-domain code with botocore's own signer.
        url = f"https://cdn.example.com/{filepath_to_uri(cloudfront._key(name))}"
        expiry = utcnow() + timedelta(seconds=3600)
        signed: str = botocore_signer.generate_presigned_url(url, date_less_than=expiry)
        return signed

    ours, theirs = compare(cloudfront.url, botocore_cloudfront, few, args.rounds, block=5)
    record("CloudFront signed, vs botocore signer", ours, theirs, "botocore CloudFrontSigner")

    # -- first url() on a new thread, a new instance, a new configuration -------------
    # The reference's first URL on a thread builds a session and a resource.
    def reference_first_url(index: int) -> None:
        reference = S3Storage(bucket_name=f"ref-{index}", region_name=REGION, **KEYS)
        reference.connection.meta.client.generate_presigned_url(
            "get_object", Params={"Bucket": f"ref-{index}", "Key": "first.jpg"}, ExpiresIn=3600
        )

    def cold_first_url(index: int) -> None:
        # A configuration no storage in this process used yet: botocore is probed.
        S3Storage(bucket_name=f"cold-{index}", region_name=REGION, **KEYS).url("first.jpg")

    cold, reference = [], []
    for index in range(args.cold):  # paired and interleaved: both see the same load and heap
        for fn, durations in ((cold_first_url, cold), (reference_first_url, reference)):
            start = time.perf_counter()
            fn(index)
            durations.append(time.perf_counter() - start)
    baseline = statistics.median(reference)
    label = "new session + resource (median)"

    v4.url("warm.jpg")
    new_thread = first_call_on_new_threads(lambda: v4.url("first.jpg"), args.first)
    record("first url() on a new thread", new_thread, baseline, label)

    instances = []
    for _ in range(args.first):
        fresh = storage(signature_version="s3v4")  # same settings as v4: the layout is known
        start = time.perf_counter()
        fresh.url("first.jpg")
        instances.append(time.perf_counter() - start)
    record("first url() on a new instance", statistics.median(instances), baseline, label)
    record("first url() of a new configuration", statistics.median(cold), baseline, label)

    report(rows, args)


def report(rows: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\nurl() vs boto3, {args.names} names, best of {args.rounds} rounds\n")
    header = f"{'scenario':<38} {'ours us':>10} {'boto3 us':>10} {'ratio':>8}  baseline"
    print(header)
    print("-" * (len(header) + 30))
    for scenario, row in rows.items():
        print(
            f"{scenario:<38} {row['ours_us']:>10.2f} {row['baseline_us']:>10.2f}"
            f" {row['ratio']:>7.2f}x  {row['baseline']}"
        )
    cloudfront = rows["CloudFront signed (cryptography)"]
    ratio = {scenario: row["ratio"] for scenario, row in rows.items()}
    micros = {scenario: row["ours_us"] for scenario, row in rows.items()}
    targets = [
        ("presigned url() >= 20x boto3 (SigV4)", ratio["presigned SigV4"] >= 20),
        ("presigned url() >= 20x boto3 (default)", ratio["presigned default (SigV2 here)"] >= 20),
        ("unsigned url() >= 50x boto3", ratio["querystring_auth=False"] >= 50),
        ("public endpoint url() >= 20x boto3 (SigV4)", ratio["public endpoint, SigV4"] >= 20),
        ("public endpoint url() >= 20x boto3 (unsigned)", ratio["public endpoint, unsigned"] >= 20),
        ("reuse window url() >= 20x boto3 (SigV4)", ratio["reuse window 900 s, SigV4"] >= 20),
        (
            "reuse window url() >= 20x boto3 (default)",
            ratio["reuse window 900 s, default (SigV2)"] >= 20,
        ),
        ("first url() on a new thread < 1 ms", micros["first url() on a new thread"] < 1000),
        ("first url() on a new instance < 1 ms", micros["first url() on a new instance"] < 1000),
        ("CloudFront within 10% of bare RSA-SHA1", cloudfront["ratio"] >= 1 / 1.1),
        ("custom domain no slower than f-string + quote", ratio["custom domain"] >= 1.0),
    ]
    print()
    for label, ok in targets:
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    print()
    print(
        json.dumps(
            {
                "names": args.names,
                "rounds": args.rounds,
                "results": rows,
                "targets": {label: ok for label, ok in targets},
            }
        )
    )


if __name__ == "__main__":
    warnings.simplefilter("ignore", DeprecationWarning)
    main()
