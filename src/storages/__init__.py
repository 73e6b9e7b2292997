"""s3storages: a drop-in Amazon S3 storage backend for Django."""

__version__ = "0.1.0"
