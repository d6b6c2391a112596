/**
 * Lambda bundles only: stands in for @aws-sdk/credential-provider-node (build.mjs aliases it here).
 * Lambda always hands a function its role's credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * so the default chain's SSO, STS web-identity, INI and IMDS providers are dead weight: dropping them takes ~130 KB
 * and a third of the import time off every cold start. The local stack passes credentials the same way.
 * The CLI is not built with this alias and keeps the whole chain.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
