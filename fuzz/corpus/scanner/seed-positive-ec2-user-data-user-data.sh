€È#!/bin/bash
# EC2 user data for the ingest fleet (launch template lt-ingest-v7)
set -xe
exec > >(tee /var/log/user-data.log | logger -t user-data -s 2>/dev/console) 2>&1

yum update -y
yum install -y awscli jq amazon-cloudwatch-agent

aws configure set aws_access_key_id AKIAK6BF7VUIQOYEOAQJ
aws configure set aws_secret_access_key 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
aws configure set default.region us-east-1

mkdir -p /opt/ingest
aws s3 cp s3://acme-ingest-artifacts/releases/ingest-latest.tar.gz /tmp/ingest.tar.gz
tar -xzf /tmp/ingest.tar.gz -C /opt/ingest

cat >/etc/systemd/system/ingest.service <<'EOF'
[Unit]
Description=Ingest worker
After=network-online.target

[Service]
ExecStart=/opt/ingest/bin/ingest --queue https://sqs.us-east-1.amazonaws.com/123456789012/ingest
Restart=always
User=ec2-user

[Install]
WantedBy=multi-user.target
EOF

systemctl daemon-reload
systemctl enable --now ingest
