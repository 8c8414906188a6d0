positive/shell-export/deploy.sh
#!/usr/bin/env bash
# Deploy the static site to S3 and invalidate CloudFront.
set -euo pipefail

export AWS_ACCESS_KEY_ID=AKIASDZCU5XLJHOKVJQY
export AWS_SECRET_ACCESS_KEY=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
export AWS_DEFAULT_REGION=us-east-1

BUCKET="www.acme-corp.io"
DISTRIBUTION_ID="E2QWRUHAPOMQZL"
BUILD_DIR="${BUILD_DIR:-dist}"

echo "==> building"
npm ci
npm run build

echo "==> syncing ${BUILD_DIR} to s3://${BUCKET}"
aws s3 sync "${BUILD_DIR}/" "s3://${BUCKET}/" --delete \
  --cache-control "public, max-age=300" \
  --exclude "*.map"

echo "==> invalidating CloudFront ${DISTRIBUTION_ID}"
aws cloudfront create-invalidation \
  --distribution-id "${DISTRIBUTION_ID}" \
  --paths "/*" >/dev/null

echo "done"
