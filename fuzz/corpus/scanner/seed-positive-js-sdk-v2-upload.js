@ú'use strict';

const AWS = require('aws-sdk');
const fs = require('fs');
const path = require('path');

AWS.config.update({
  region: 'us-east-1',
  accessKeyId: 'AKIA3NVXOKXDGKDD6IZG',
  secretAccessKey: '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',
});

const s3 = new AWS.S3({ apiVersion: '2006-03-01' });
const BUCKET = process.env.UPLOAD_BUCKET || 'acme-user-uploads';

async function uploadFile(localPath, prefix = 'incoming') {
  const body = fs.createReadStream(localPath);
  const key = `${prefix}/${Date.now()}-${path.basename(localPath)}`;
  const res = await s3
    .upload({ Bucket: BUCKET, Key: key, Body: body, ServerSideEncryption: 'AES256' })
    .promise();
  return res.Location;
}

module.exports = { uploadFile };

if (require.main === module) {
  uploadFile(process.argv[2])
    .then((url) => console.log(url))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
