ùfrom pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "1*@b0tk63pefjts=z1@y^jihvp@#uls7r-jj!d0@g*d3*!-n4d"

DEBUG = False
ALLOWED_HOSTS = ["portal.acme-corp.io"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "storages",
    "portal",
]

STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    "staticfiles": {"BACKEND": "storages.backends.s3.S3Storage"},
}
AWS_STORAGE_BUCKET_NAME = "acme-portal-static"
AWS_S3_REGION_NAME = "eu-west-1"
AWS_QUERYSTRING_AUTH = False
