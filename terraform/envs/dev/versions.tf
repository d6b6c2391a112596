terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Pinned range; the exact version is in .terraform.lock.hcl (committed). 5.100 is the oldest tested.
      version = ">= 5.100, < 7"
    }
  }

  # Settings come from backend.hcl (git-ignored): copy backend.hcl.example, then terraform init -backend-config=backend.hcl.
  backend "s3" {}
}
