"""Save, list, read back and link a file on a locally started SeaweedFS server."""

from __future__ import annotations

import django
from django.conf import settings
from django.core.files.base import ContentFile

from storages.testing.seaweedfs import SeaweedFS


def main() -> None:
    settings.configure(USE_TZ=True)
    django.setup()
    from storages.backends.s3 import S3Storage

    with SeaweedFS() as server:
        server.create_bucket("demo-media")
        storage = S3Storage(**server.storage_options("demo-media", location="uploads"))
        name = storage.save("hello.txt", ContentFile(b"Hello from s3storages!\n"))
        print(f"saved:   {name} ({storage.size(name)} bytes)")
        print(f"listdir: {storage.listdir('')}")
        with storage.open(name, "r") as f:
            print(f"read:    {f.read()!r}")
        print(f"url:     {storage.url(name)}")


if __name__ == "__main__":
    main()
