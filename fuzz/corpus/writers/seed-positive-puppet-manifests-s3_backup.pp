positive/puppet/manifests/s3_backup.pp
# Class: profile::s3_backup
#
# Installs the AWS CLI and a nightly sync of /srv/data to S3.
#
class profile::s3_backup (
  String $bucket            = 'acme-puppet-backups',
  String $region            = 'us-east-1',
  String $access_key_id     = 'AKIAF6IRAY5ZVCZ54KPM',
  String $secret_access_key = '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',
) {
  package { 'awscli':
    ensure => installed,
  }

  file { '/root/.aws':
    ensure => directory,
    mode   => '0700',
  }

  file { '/root/.aws/credentials':
    ensure  => file,
    mode    => '0600',
    content => "[default]\naws_access_key_id = ${access_key_id}\naws_secret_access_key = ${secret_access_key}\n",
    require => File['/root/.aws'],
  }

  cron { 's3-backup':
    command => "/usr/bin/aws s3 sync /srv/data s3://${bucket}/${facts['networking']['fqdn']}/ --region ${region}",
    user    => 'root',
    hour    => 2,
    minute  => 10,
    require => [Package['awscli'], File['/root/.aws/credentials']],
  }
}
