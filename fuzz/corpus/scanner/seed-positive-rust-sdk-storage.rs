=use aws_credential_types::Credentials;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::{Client, Config};

const BUCKET: &str = "acme-telemetry-raw";

pub fn client() -> Client {
    let credentials = Credentials::new(
        "AKIACM7QSR4ESGT67UKT",
        "MSEBMxVXvHwJ4Ers60DVbt44gFx+R1wLeG7sYn1A",
        None,
        None,
        "static",
    );
    let config = Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-north-1"))
        .credentials_provider(credentials)
        .build();
    Client::from_conf(config)
}

pub async fn put_batch(client: &Client, key: &str, body: Vec<u8>) -> Result<(), aws_sdk_s3::Error> {
    client
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .body(ByteStream::from(body))
        .content_type("application/x-ndjson")
        .send()
        .await?;
    Ok(())
}
