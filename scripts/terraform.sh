#!/usr/bin/env bash
# Runs Terraform for one environment: scripts/terraform.sh <plan|apply|destroy> <env>
# (called by `make plan|deploy|destroy ENV=<env>`, which build the handler zips first).
#
#   plan     init, then plan into terraform/envs/<env>/tfplan
#   apply    init, plan into tfplan, ask for confirmation (skipped with AUTO_APPROVE=1), apply exactly that plan
#   destroy  init, then destroy (Terraform asks for confirmation unless AUTO_APPROVE=1)
#
# Exit codes: 0 done, 1 Terraform failed or the plan was not confirmed, 2 a prerequisite is missing.
set -euo pipefail

usage() {
  echo "usage: $0 <plan|apply|destroy> <env>   (env: a folder under terraform/envs, e.g. dev or prod)" >&2
  exit 2
}

# Prints a one-paragraph explanation and stops: these are setup problems, not bugs.
fail() {
  echo "" >&2
  echo "$*" | fold -s -w 110 >&2
  echo "" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
action=$1
env=$2
case "$action" in plan | apply | destroy) ;; *) usage ;; esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_dir="$repo/terraform/envs/$env"
[[ "$env" =~ ^[a-z0-9]+$ && -d "$env_dir" ]] ||
  fail "Unknown environment '$env': there is no terraform/envs/$env. Environments: $(ls "$repo/terraform/envs" | tr '\n' ' ')"

command -v terraform >/dev/null 2>&1 ||
  fail "Terraform is not installed (no 'terraform' on PATH). Install Terraform 1.11.4 or later (>= 1.6 works, >= 1.10 for use_lockfile in backend.hcl): https://developer.hashicorp.com/terraform/install"

has_aws_credentials() {
  [[ -n "${AWS_ACCESS_KEY_ID:-}" || -n "${AWS_PROFILE:-}" || -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ]] && return 0
  [[ -n "${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" || -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ]] && return 0
  [[ -f "${AWS_SHARED_CREDENTIALS_FILE:-${HOME:-}/.aws/credentials}" ]] && return 0
  # A [default] profile in ~/.aws/config (SSO, credential_process, role chaining) works without AWS_PROFILE.
  grep -qs '^\[default\]' "${AWS_CONFIG_FILE:-${HOME:-}/.aws/config}" && return 0
  # On EC2 or CodeBuild, the instance role provides credentials through IMDS with no file or variable to see.
  [[ "${TELECAST_ASSUME_AMBIENT_CREDENTIALS:-}" == 1 ]] && return 0
  return 1
}
has_aws_credentials ||
  fail "No AWS credentials found, so Terraform cannot reach your account. Set AWS_PROFILE to a profile from ~/.aws/config (for example after 'aws sso login --profile <name>'), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or create ~/.aws/credentials with 'aws configure'. In CI the OIDC role provides them; on an instance with a role, set TELECAST_ASSUME_AMBIENT_CREDENTIALS=1. Nothing was changed. See terraform/README.md, 'First deployment'."

[[ -f "$env_dir/backend.hcl" ]] ||
  fail "terraform/envs/$env/backend.hcl is missing: it tells Terraform where the state of '$env' lives. Create it from the example with 'cp terraform/envs/$env/backend.hcl.example terraform/envs/$env/backend.hcl' and set your state bucket and region (the file is git-ignored). See terraform/README.md, 'First deployment'."

artifacts_dir="$repo/dist"
missing=()
for name in telegram podcastfy scheduler; do
  [[ -f "$artifacts_dir/$name.zip" ]] || missing+=("dist/$name.zip")
done
[[ ${#missing[@]} -eq 0 ]] ||
  fail "Missing handler bundle(s): ${missing[*]}. Build them with 'make build' (make plan and make deploy do it for you); Terraform deploys these zips as they are."

tf() { terraform -chdir="$env_dir" "$@"; }

export TF_IN_AUTOMATION=${TF_IN_AUTOMATION:-1}
tf init -input=false -backend-config=backend.hcl

case "$action" in
plan)
  tf plan -input=false -out=tfplan
  echo "Saved the plan to terraform/envs/$env/tfplan. Apply it with: make deploy ENV=$env"
  ;;
apply)
  tf plan -input=false -out=tfplan
  if [[ "${AUTO_APPROVE:-0}" != "1" ]]; then
    [[ -t 0 ]] || fail "Not applying: the plan needs a confirmation and there is no terminal to ask. Review it, then run again with AUTO_APPROVE=1 to apply without asking."
    read -r -p "Apply this plan to '$env'? Only 'yes' applies: " answer
    [[ "$answer" == "yes" ]] || {
      echo "Not applied." >&2
      exit 1
    }
  fi
  tf apply -input=false tfplan
  rm -f "$env_dir/tfplan"
  tf output
  ;;
destroy)
  if [[ "${AUTO_APPROVE:-0}" == "1" ]]; then
    tf destroy -input=false -auto-approve
  else
    tf destroy
  fi
  ;;
esac
