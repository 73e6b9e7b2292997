"""Legacy names from django-storages' ``s3boto3`` module: the very same classes."""

from __future__ import annotations

from .s3 import S3File, S3ManifestStaticStorage, S3StaticStorage, S3Storage

__all__ = [
    "S3Boto3Storage",
    "S3Boto3StorageFile",
    "S3ManifestStaticStorage",
    "S3StaticStorage",
]

S3Boto3Storage = S3Storage
S3Boto3StorageFile = S3File
