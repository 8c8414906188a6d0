positive/terraform-tfvars/terraform.tfvars
environment   = "staging"
region        = "ap-northeast-1"
vpc_cidr      = "10.42.0.0/16"
instance_type = "t3.medium"
desired_count = 2

aws_access_key = "AKIA2OSFUI7JSRY6WDLS"
aws_secret_key = "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"

allowed_cidrs = [
  "203.0.113.0/24",
  "198.51.100.17/32",
]

tags = {
  Owner      = "data-eng"
  CostCenter = "cc-4412"
}
