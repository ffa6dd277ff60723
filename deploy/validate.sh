#!/usr/bin/env bash
# Validates the deploy files without a cluster or a Docker engine; exits non-zero on any failure.
#   - the Helm chart: helm lint, helm template with the default values and each ci/*-values.yaml, every
#     rendered object checked against the Kubernetes/KEDA/prometheus-operator schemas (offline);
#   - least privilege as rendered: a ServiceAccount per stage and for the topics Job, a token only in the
#     pods that call AWS (with aws-msk-iam every stage and the Job, for their Kafka tokens; without it
#     not filter-mapper, emitter or the Job), each ServiceAccount with its own IAM role;
#   - docker-compose.yml: loaded by the Compose specification's reference parser (compose-go);
#   - the environment compose and the chart give each process passes that process's own config validation;
#   - the shell scripts' syntax, the JSON files, the chart's copy of the default rules, and that the
#     Grafana dashboard charts only metrics the services define;
#   - deploy/datadog: the dashboard and monitors against the Dashboard and Monitor schemas of Datadog's v1
#     OpenAPI spec (vendored), every metric they query exported by a service, and the chart's Datadog
#     autodiscovery annotations as rendered (on by default, absent when turned off): their OpenMetrics
#     check collects every metric the services register and none of the Node.js process defaults.
# helm and compose-go are built from the Go module proxy into .local/tools on first use (about 3 minutes
# on 2 cores with a cold Go cache), then reused.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

helm_version=v3.22.0
compose_go_version=v2.16.2
kube_version=1.33.0
tools=.local/tools
chart=deploy/helm/trailstream

step() { printf '\n--> %s\n' "$*"; }

go_install() { # <directory> <module@version>
  GOBIN="$PWD/$1" GOFLAGS=-mod=mod GOTOOLCHAIN=local go install "$2"
}

step "tools (helm $helm_version, compose-go $compose_go_version)"
helm="$tools/helm-$helm_version/helm"
[[ -x "$helm" ]] || go_install "$tools/helm-$helm_version" "helm.sh/helm/v3/cmd/helm@$helm_version"
compose_spec="$tools/compose-go-$compose_go_version/cmd"
[[ -x "$compose_spec" ]] || go_install "$tools/compose-go-$compose_go_version" "github.com/compose-spec/compose-go/v2/cmd@$compose_go_version"
"$helm" version --short

rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT

step "chart: the embedded rules are the shipped default rules (@trailstream/mapping)"
cmp "$chart/files/rules.yaml" packages/mapping/rules/default.yaml

step "chart: lint and render"
"$helm" lint --strict --kube-version "$kube_version" "$chart"
"$helm" template trailstream "$chart" --kube-version "$kube_version" >"$rendered/default.yaml"
for values in "$chart"/ci/*-values.yaml; do
  "$helm" lint --strict --kube-version "$kube_version" -f "$values" "$chart"
  "$helm" template trailstream "$chart" --kube-version "$kube_version" -f "$values" >"$rendered/$(basename "$values")"
done

step "chart: least privilege (a ServiceAccount per stage and for the topics Job, each its own IAM role; a token only where AWS is called, every process with MSK IAM; NetworkPolicy by default; no annotation hashes a Secret)"
# Without MSK IAM: only discovery, fetcher-parser and integrity mount a token, filter-mapper, emitter and
# the topics Job none. With aws-msk-iam (ci/msk-iam-values.yaml): every Deployment and the Job mount it and
# run as their own ServiceAccount, each carrying its own role; with serviceAccount.create=false, all run
# as serviceAccount.name.
node deploy/check-least-privilege.mjs "$rendered/default.yaml" "$chart/templates"
node deploy/check-least-privilege.mjs "$rendered/all-enabled-values.yaml" "$chart/templates" "$chart/ci/all-enabled-values.yaml"
node deploy/check-least-privilege.mjs "$rendered/msk-iam-values.yaml" "$chart/templates" "$chart/ci/msk-iam-values.yaml"
"$helm" template trailstream "$chart" --kube-version "$kube_version" -f "$chart/ci/msk-iam-values.yaml" \
  --set serviceAccount.create=false,serviceAccount.name=trailstream >"$rendered/msk-iam-shared-account.yaml"
node deploy/check-least-privilege.mjs "$rendered/msk-iam-shared-account.yaml" "$chart/templates"

step "chart: Datadog autodiscovery annotations (OpenMetrics check) on every stage, and none when turned off"
"$helm" template trailstream "$chart" --kube-version "$kube_version" \
  --set metrics.datadogAutodiscovery.enabled=false >"$rendered/no-autodiscovery.yaml"
annotation_args=()
for file in "$rendered"/*.yaml; do
  case "$file" in
    */no-autodiscovery.yaml) annotation_args+=(--annotations off "$file") ;;
    *) annotation_args+=(--annotations on "$file") ;;
  esac
done
node deploy/datadog/validate.mjs "${annotation_args[@]}"

step "chart: MSK IAM renders its environment; refuses what cannot work and values it does not know (a plain external id too)"
msk_iam=$("$helm" template trailstream "$chart" --kube-version "$kube_version" \
  --set kafka.sasl.mechanism=aws-msk-iam,kafka.tls.enabled=true,kafka.sasl.awsRegion=eu-west-1)
grep -q 'value: "aws-msk-iam"' <<<"$msk_iam" && grep -q 'value: "eu-west-1"' <<<"$msk_iam" ||
  { echo "aws-msk-iam: KAFKA_SASL_MECHANISM/KAFKA_AWS_REGION not rendered" >&2; exit 1; }
refused() { # <--set assignment>
  if "$helm" template trailstream "$chart" --kube-version "$kube_version" --set "$1" >/dev/null 2>&1; then
    echo "rendering with --set $1 should fail" >&2
    exit 1
  fi
  echo "refused: --set $1"
}
refused kafka.sasl.mechanism=aws-msk-iam
refused kafka.sasl.mechanism=aws-msk-iam,kafka.tls.enabled=true,stages.emitter.keda.enabled=true
refused stages.emiter.replicas=2
refused serviceAccount.awsRoleArns.emiter=arn:aws:iam::123456789012:role/trailstream-emitter
# A role for a process that calls no AWS API without MSK IAM is refused, not annotated unused.
refused serviceAccount.awsRoleArns.emitter=arn:aws:iam::123456789012:role/trailstream-emitter
refused serviceAccount.awsRoleArns.topics=arn:aws:iam::123456789012:role/trailstream-topics
refused stages.emitter.autoscaling.enabled=true,stages.emitter.keda.enabled=true
# An external id only from a Secret; a source role names exactly one of bucket and queueUrl.
source_role='sourceRoles[0].roleArn=arn:aws:iam::111122223333:role/trailstream-reader'
refused "$source_role,sourceRoles[0].bucket=org-trail,sourceRoles[0].externalId=plain-text-id"
refused "$source_role"
refused "$source_role,sourceRoles[0].bucket=org-trail,sourceRoles[0].queueUrl=https://sqs.us-east-1.amazonaws.com/1/q"

step "chart: rendered objects against the Kubernetes schemas"
node deploy/validate-manifests.mjs "$rendered"/*.yaml

step "compose: the Compose specification"
"$compose_spec" --format json docker-compose.yml >"$rendered/compose.json"
echo "docker-compose.yml is valid"

step "compose and chart: each process accepts the environment it is given (its own config validation)"
helm_args=()
for file in "$rendered"/*.yaml; do helm_args+=(--helm "$file"); done
node --conditions=@trailstream/source --import tsx deploy/check-stage-config.mjs --compose "$rendered/compose.json" "${helm_args[@]}"

step "scripts and JSON"
sh -n deploy/docker/entrypoint.sh
sh -n deploy/docker/dev-entrypoint.sh
bash -n deploy/compose/localstack/ready.d/*.sh
for json in deploy/aws/*.json deploy/grafana/*.json deploy/datadog/*.json; do
  node -e 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"))' "$json"
done
echo "shell syntax and JSON are valid"

step "dashboard: every trailstream_* metric it charts is defined by a service"
unknown=0
for metric in $(grep -o 'trailstream_[a-z_]*' deploy/grafana/trailstream.json | sed -E 's/_(bucket|sum|count)$//' | sort -u); do
  if ! grep -rqF "'$metric'" services/*/src packages/*/src; then
    echo "deploy/grafana/trailstream.json charts $metric, which no service defines" >&2
    unknown=$((unknown + 1))
  fi
done
[[ $unknown -eq 0 ]]
echo "all dashboard metrics exist"

printf '\ndeploy files valid\n'
