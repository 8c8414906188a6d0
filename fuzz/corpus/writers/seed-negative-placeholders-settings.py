negative/placeholders/settings.py
import os

AWS_REGION = os.environ.get("AWS_REGION", "eu-west-1")
AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]
AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"]
AWS_SESSION_TOKEN = os.getenv("AWS_SESSION_TOKEN")

UPLOAD_BUCKET = os.environ.get("UPLOAD_BUCKET", "acme-uploads")
MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def boto3_kwargs() -> dict:
    kwargs = {
        "region_name": AWS_REGION,
        "aws_access_key_id": AWS_ACCESS_KEY_ID,
        "aws_secret_access_key": AWS_SECRET_ACCESS_KEY,
    }
    if AWS_SESSION_TOKEN:
        kwargs["aws_session_token"] = AWS_SESSION_TOKEN
    return kwargs
