terraform {
  # 1.6: terraform test and the custom conditions used here. Minimum versions only: env roots pin the range.
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}
