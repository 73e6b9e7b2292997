"""Benchmark collectstatic on a local SeaweedFS server: requests and wall time.

Run:  .venv/bin/python benchmarks/bench_collectstatic.py [--files 1000] [--changed 10]

Generates a static tree of --files files (css that refer to images and to
each other, js, svg, png, json), starts its own SeaweedFS, and runs Django's
collectstatic command, and the "storages" app's, in these scenarios, each
bucket starting empty:

* S3StaticStorage: a first run, a re-run with nothing changed, a re-run
  after changing --changed files; the same with the listing turned off
  (collectstatic_listing=False: a HEAD per question, as django-storages
  asks); the same three for S3ManifestStaticStorage; then --clear, with
  Django's command and with the app's;
* the app's command: a first run, and a re-run after touching every source
  file (new modified times, same bytes);
* a naive loop of one boto3 put_object per file, in the same run, as the
  yardstick for wall time.

Requests are counted with a ``before-send`` hook on the client that sends
them (retries included). Prints a table, the issue's targets (ok / MISS),
then the results as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django
from django.conf import settings

KINDS = ("css", "js", "svg", "png", "json")


def make_tree(root: Path, files: int, seed: int = 5) -> list[str]:
    """Write ``files`` static files under ``root``; return their names."""
    rng = random.Random(seed)
    names = [
        f"{KINDS[i % len(KINDS)]}/{i // 50:02}/file{i:04}.{KINDS[i % len(KINDS)]}"
        for i in range(files)
    ]
    images = [name for name in names if name.endswith((".png", ".svg"))]
    plain_css = [name for name in names if name.endswith(".css")][:5]
    for name in names:
        ext = name.rsplit(".", 1)[1]
        if ext == "css" and name not in plain_css:
            refs = rng.sample(images, 3)
            body = "".join(
                f'.c{n} {{ background: url("../../{ref}"); }}\n' for n, ref in enumerate(refs)
            )
            # A few stylesheets import one that refers to nothing, as real ones do.
            if rng.random() < 0.2:
                body = f'@import url("../../{rng.choice(plain_css)}");\n' + body
            data = body.encode() + rng.randbytes(200).hex().encode()
        elif ext == "css":
            data = f"p {{ margin: {rng.randint(0, 9)}px; }}\n".encode()
        elif ext == "js":
            data = f"export const v = {rng.random()};\n".encode() + b"//" * 400
        elif ext == "svg":
            data = (
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{rng.randint(1, 99)}"/>'.encode()
            )
        elif ext == "png":
            data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(500, 4000))
        else:
            data = json.dumps({"n": rng.random()}).encode()
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    past = time.time() - 3600
    for name in names:
        os.utime(root / name, (past, past))
    return names


class Requests:
    """Counts requests by S3 operation (from the method and query) on one client."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self._clients: list[Any] = []

    def attach(self, client: Any) -> None:
        if not any(known is client for known in self._clients):
            self._clients.append(client)
            client.meta.events.register("before-send.s3", self._record)

    def _record(self, request: Any, **kwargs: Any) -> None:
        query = urlsplit(request.url).query
        if request.method == "GET" and "list-type=2" in query:
            kind = "LIST"
        elif request.method == "POST" and query.startswith("delete"):
            kind = "DeleteObjects"
        else:
            kind = request.method
        self.sent[kind] += 1


def configure(root: Path) -> None:
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="benchmark-only",
        INSTALLED_APPS=["django.contrib.staticfiles", "storages"],
        STATIC_URL="/static/",
        STATICFILES_DIRS=[str(root)],
        STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}},
        LOGGING_CONFIG=None,
    )
    django.setup()


def run_collectstatic(
    server: Any, bucket: str, backend: str, command: Any, *args: str, **options: Any
) -> dict[str, Any]:
    """Run one collectstatic into ``bucket``; return its requests and wall time."""
    from django.core.files.storage import storages
    from django.core.management import call_command
    from django.test import override_settings

    storage_options = server.storage_options(bucket, **options)
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": backend, "OPTIONS": storage_options},
        }
    ):
        storage = storages["staticfiles"]
        counter = Requests()
        counter.attach(storage.connection.meta.client)
        storage.connection.meta.client.list_buckets()  # connect before the clock starts
        counter.sent.clear()
        start = time.perf_counter()
        call_command(command, *args, interactive=False, verbosity=0, stdout=io.StringIO())
        wall = time.perf_counter() - start
    return {"requests": dict(counter.sent), "wall": wall}


def naive_put_loop(server: Any, bucket: str, root: Path, names: list[str]) -> dict[str, Any]:
    """One boto3 put_object per file, in a loop: the yardstick."""
    client = server.client()
    counter = Requests()
    counter.attach(client)
    client.list_buckets()
    counter.sent.clear()
    start = time.perf_counter()
    for name in names:
        client.put_object(Bucket=bucket, Key=name, Body=(root / name).read_bytes())
    return {"requests": dict(counter.sent), "wall": time.perf_counter() - start}


def wall(result: dict[str, Any]) -> float:
    return float(result["wall"])


def count_objects(server: Any, bucket: str) -> int:
    paginator = server.client().get_paginator("list_objects_v2")
    return sum(page.get("KeyCount", 0) for page in paginator.paginate(Bucket=bucket))


def new_bucket(server: Any, name: str) -> str:
    server.create_bucket(name)
    client = server.client()
    for _ in range(50):  # a new bucket's first write can fail while SeaweedFS grows a volume
        try:
            client.put_object(Bucket=name, Key="warm-up", Body=b"")
            break
        except client.exceptions.ClientError:
            time.sleep(0.2)
    client.delete_object(Bucket=name, Key="warm-up")
    return name


def change(root: Path, names: list[str], count: int, touch_only: bool = False) -> None:
    """Change ``count`` files (every file when 0), or only touch them: new mtime, same bytes."""
    # S3 keeps whole seconds: let a second pass, so the new mtime is later
    # than the last upload, and no later than the next one.
    time.sleep(1.1)
    stamp = time.time()
    step = max(1, len(names) // max(count, 1))
    for name in names[::step][:count] if count else names:
        path = root / name
        if not touch_only:
            path.write_bytes(path.read_bytes() + b"\n/* changed */\n")
        os.utime(path, (stamp, stamp))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of naive loop vs app")
    args = parser.parse_args()

    from storages.testing.seaweedfs import SeaweedFS

    work = Path(tempfile.mkdtemp(prefix="bench-collectstatic-"))
    root = work / "src"
    names = make_tree(root, args.files)
    configure(root)
    from storages.management.commands.collectstatic import Command as AppCommand

    plain = "storages.backends.s3.S3StaticStorage"
    manifest = "storages.backends.s3.S3ManifestStaticStorage"
    rows: list[tuple[str, dict[str, Any]]] = []

    def stock(label: str, bucket: str, backend: str, *extra: str, **options: Any) -> None:
        rows.append(
            (label, run_collectstatic(server, bucket, backend, "collectstatic", *extra, **options))
        )

    def app(label: str, bucket: str, backend: str, *extra: str, **options: Any) -> None:
        rows.append(
            (
                label,
                run_collectstatic(
                    server,
                    bucket,
                    backend,
                    AppCommand(),
                    *extra,
                    "--workers",
                    str(args.workers),
                    **options,
                ),
            )
        )

    with SeaweedFS(data_dir=work / "seaweedfs") as server:
        # Wall time drifts as the server fills up, so the yardstick runs right
        # next to the app's first run, alternating, on fresh buckets: best of each.
        naive_rounds, app_rounds = [], []
        for round_ in range(args.rounds):
            bucket = new_bucket(server, f"naive-{round_}")
            naive_rounds.append(naive_put_loop(server, bucket, root, names))
            bucket = new_bucket(server, f"app-{round_}")
            app_rounds.append(
                run_collectstatic(
                    server, bucket, plain, AppCommand(), "--workers", str(args.workers)
                )
            )
        rows.append(("naive boto3 put_object loop", min(naive_rounds, key=wall)))
        rows.append(("app: first run", min(app_rounds, key=wall)))
        change(root, names, 0, touch_only=True)
        app("app: re-run, every file touched", bucket, plain)
        stock("plain: --clear (Django's command)", bucket, plain, "--clear")
        app("plain: --clear (app's command)", bucket, plain, "--clear")

        bucket = new_bucket(server, "plain")
        stock("plain: first run", bucket, plain)
        stock("plain: re-run, nothing changed", bucket, plain)
        change(root, names, args.changed)
        stock(f"plain: re-run, {args.changed} changed", bucket, plain)

        bucket = new_bucket(server, "listing-off")
        stock("listing off: first run", bucket, plain, collectstatic_listing=False)
        stock("listing off: re-run, nothing changed", bucket, plain, collectstatic_listing=False)

        bucket = new_bucket(server, "manifest")
        stock("manifest: first run", bucket, manifest)
        stock("manifest: re-run, nothing changed", bucket, manifest)
        change(root, names, args.changed)
        stock(f"manifest: re-run, {args.changed} changed", bucket, manifest)
        stock("manifest: --clear (Django's command)", bucket, manifest, "--clear")
        app("manifest: --clear (app's command)", bucket, manifest, "--clear")
        manifest_objects = count_objects(server, bucket)

        bucket = new_bucket(server, "app-manifest")
        app("app: manifest first run", bucket, manifest)

    report(rows, args.files, manifest_objects)


def report(rows: list[tuple[str, dict[str, Any]]], files: int, manifest_objects: int) -> None:
    naive = dict(rows)["naive boto3 put_object loop"]["wall"]
    kinds = ["LIST", "PUT", "HEAD", "GET", "DELETE", "DeleteObjects"]
    header = (
        f"{'scenario':42} {'req':>6} {'req/file':>8} "
        + " ".join(f"{kind:>6}" for kind in ["LIST", "PUT", "HEAD", "GET", "DELETE", "DelObj"])
        + f" {'wall s':>7} {'vs naive':>8}"
    )
    print(f"{files} files; requests counted with a before-send hook (retries included)\n")
    print(header)
    print("-" * len(header))
    results = {}
    # Django's command first, then the app's, each with its clear last.
    rows = sorted(rows, key=lambda row: (row[0].startswith(("naive", "app")), "--clear" in row[0]))
    for label, result in rows:
        sent = result["requests"]
        total = sum(sent.values())
        ratio = result["wall"] / naive
        print(
            f"{label:42} {total:6} {total / files:8.3f} "
            + " ".join(f"{sent.get(kind, 0):6}" for kind in kinds)
            + f" {result['wall']:7.2f} {ratio:7.2f}x"
        )
        results[label] = {
            "requests": total,
            "by_kind": sent,
            "per_file": total / files,
            "wall_s": round(result["wall"], 3),
            "wall_vs_naive": round(ratio, 3),
        }

    def requests(label: str, kind: str | None = None) -> int:
        by_kind = results[label]["by_kind"]
        return int(results[label]["requests"] if kind is None else by_kind.get(kind, 0))

    # The manifest storage keeps each file twice (original and hashed copy)
    # plus staticfiles.json: its listing has N = 2 * files + 1 keys.
    manifest_rerun = (
        f"manifest re-run, nothing changed: requests <= 1 + N/1000 ({manifest_objects} keys)"
    )
    targets = {
        "plain re-run, nothing changed: requests <= 1 + N/1000": (
            requests("plain: re-run, nothing changed") <= 1 + files / 1000
        ),
        manifest_rerun: requests("manifest: re-run, nothing changed")
        <= 1 + manifest_objects / 1000,
        "plain first run: <= 1.05 requests per file": (
            requests("plain: first run") <= 1.05 * files
        ),
        "manifest first run: no GET": requests("manifest: first run", "GET") == 0,
        "manifest first run: <= 2.05 requests per file": (
            requests("manifest: first run") <= 2.05 * files
        ),
        "app first run: wall <= 0.6x naive put loop": (
            results["app: first run"]["wall_vs_naive"] <= 0.6
        ),
        "app re-run after touching every file: no upload": (
            requests("app: re-run, every file touched", "PUT") == 0
        ),
    }
    print()
    for target, met in targets.items():
        print(f"{'ok  ' if met else 'MISS'} {target}")
    print()
    summary = {"files": files, "manifest_keys": manifest_objects, "results": results}
    print(json.dumps({**summary, "targets": targets}, indent=2))
    if not all(targets.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
