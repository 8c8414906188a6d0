positive/python-boto3/app.py
"""Nightly export of invoice PDFs to S3.

Run from cron on the reporting box:  python app.py --date 2024-03-01
"""
import argparse
import datetime as dt
import logging
import pathlib

import boto3
from botocore.config import Config

log = logging.getLogger("invoice-export")

BUCKET = "acme-invoices-archive"
REGION = "eu-west-1"

s3 = boto3.client(
    "s3",
    region_name=REGION,
    aws_access_key_id="AKIARUDFU4D3BNGQHEV3",
    aws_secret_access_key="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",
    config=Config(retries={"max_attempts": 5, "mode": "standard"}),
)


def upload_day(day: dt.date, root: pathlib.Path) -> int:
    count = 0
    for pdf in sorted((root / day.isoformat()).glob("*.pdf")):
        key = f"invoices/{day:%Y/%m/%d}/{pdf.name}"
        s3.upload_file(str(pdf), BUCKET, key, ExtraArgs={"ContentType": "application/pdf"})
        log.info("uploaded %s", key)
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path("/srv/invoices"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    n = upload_day(args.date, args.root)
    log.info("done: %d files", n)


if __name__ == "__main__":
    main()
