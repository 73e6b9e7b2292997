"""The s3storages demo site: uploads and static files on a local S3 server."""
