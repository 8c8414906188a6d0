€@terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}

provider "aws" {
  region     = "us-east-2"
  access_key = "AKIAVXUUSC3DZCCUOY3P"
  secret_key = "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"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-platform-logs"

  tags = {
    Team = "platform"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}
