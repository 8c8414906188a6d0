Šimport { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const REGION = "ap-southeast-2";
const BUCKET = "acme-course-videos";

export const s3 = new S3Client({
  region: REGION,
  credentials: {
    accessKeyId: "AKIAJ2WLR3KII3AGUXXC",
    secretAccessKey: "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",
  },
});

export async function presignDownload(key: string, expiresIn = 900): Promise<string> {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn });
}

export async function putJson(key: string, value: unknown): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: "application/json",
    }),
  );
}
