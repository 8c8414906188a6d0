€# frozen_string_literal: true

require 'aws-sdk-s3'

Aws.config.update(
  region: ENV.fetch('AWS_REGION', 'us-east-1'),
  credentials: Aws::Credentials.new('AKIAXVEQABBLTENBTQPQ', '3F5aLRT4Y46XGQzACApySFWRI11LmlD7Pri1FKwo')
)

module Storage
  BUCKET = 'acme-rails-attachments'

  def self.bucket
    @bucket ||= Aws::S3::Resource.new.bucket(BUCKET)
  end

  def self.presigned_get(key, expires_in: 300)
    bucket.object(key).presigned_url(:get, expires_in: expires_in)
  end

  def self.upload(io, key, content_type: 'application/octet-stream')
    bucket.object(key).put(body: io, content_type: content_type)
  end
end
