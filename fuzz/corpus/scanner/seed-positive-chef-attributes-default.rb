€ #
# Cookbook:: acme_backup
# Attributes:: default
#
# Copyright:: 2023, Acme Corp, All Rights Reserved.

default['acme_backup']['user'] = 'backup'
default['acme_backup']['schedule']['minute'] = '30'
default['acme_backup']['schedule']['hour'] = '3'
default['acme_backup']['paths'] = %w(/etc /var/www /srv/uploads)

default['aws']['region'] = 'us-west-2'
default['aws']['access_key_id'] = 'AKIAX775JWSKF56UMRUS'
default['aws']['secret_access_key'] = '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'
default['aws']['s3_bucket'] = 'acme-chef-backups'

default['acme_backup']['retention'] = 14
default['acme_backup']['compression'] = 'zstd'
