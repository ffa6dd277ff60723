{{/* Names and labels. */}}
{{- define "trailstream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "trailstream.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "trailstream.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "trailstream.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "trailstream.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "trailstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: trailstream
{{- end -}}

{{- define "trailstream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trailstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* A stage's resource name; call with (dict "root" $ "stage" "fetcher-parser"). */}}
{{- define "trailstream.stageName" -}}
{{- printf "%s-%s" (include "trailstream.fullname" .root) .stage | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "trailstream.stageSelectorLabels" -}}
{{ include "trailstream.selectorLabels" .root }}
app.kubernetes.io/component: {{ .stage }}
{{- end -}}

{{- define "trailstream.stageLabels" -}}
{{ include "trailstream.labels" .root }}
app.kubernetes.io/component: {{ .stage }}
{{- end -}}

{{/* A stage's ServiceAccount (ctx: root, stage): its own when the chart makes them, else the one named. */}}
{{- define "trailstream.stageServiceAccountName" -}}
{{- if .root.Values.serviceAccount.create -}}
{{- include "trailstream.stageName" . -}}
{{- else -}}
{{- default "default" .root.Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "trailstream.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
What the chart knows about each stage: the process name (the image's command), the topic it consumes and
the variable its consumer group is read from. Keys are those of .Values.stages.
*/}}
{{- define "trailstream.stageFacts" -}}
discovery:
  process: discovery
  callsAws: true
fetcherParser:
  process: fetcher-parser
  inputTopic: objects
  groupVariable: KAFKA_GROUP_ID
  callsAws: true
integrity:
  process: integrity
  inputTopic: digests
  groupVariable: KAFKA_GROUP_ID
  callsAws: true
filterMapper:
  process: filter-mapper
  inputTopic: records
  groupVariable: KAFKA_GROUP_ID
emitter:
  process: emitter
  inputTopic: datadog
  groupVariable: KAFKA_GROUP_ID
{{- end -}}

{{/*
Whether a process's pod mounts its ServiceAccount token for IRSA (ctx: root, key: a stageFacts key, or
"topics" for the topics Job): the stages that call AWS APIs always; every process with aws-msk-iam, whose
Kafka tokens are signed with the pod's AWS credentials. Without MSK IAM, filter-mapper, emitter and the
Job call no AWS API and mount none.
*/}}
{{- define "trailstream.mountsAwsToken" -}}
{{- $facts := include "trailstream.stageFacts" .root | fromYaml -}}
{{- $callsAws := (get $facts .key | default dict).callsAws | default false -}}
{{- or $callsAws (eq (include "trailstream.kafkaSaslMechanism" .root) "aws-msk-iam") -}}
{{- end -}}

{{/*
The IAM role of a process's ServiceAccount (ctx: root, key as above): serviceAccount.awsRoleArns.<key>. A
role for a process that would not mount its token (filter-mapper, emitter, the topics Job without
aws-msk-iam) is refused rather than annotated unused.
*/}}
{{- define "trailstream.awsRoleArn" -}}
{{- $roleArn := get .root.Values.serviceAccount.awsRoleArns .key | default "" -}}
{{- if and $roleArn (ne (include "trailstream.mountsAwsToken" .) "true") -}}
{{- fail (printf "serviceAccount.awsRoleArns.%s is only used with kafka.sasl.mechanism=aws-msk-iam (that process calls no AWS API otherwise): leave it empty" .key) -}}
{{- end -}}
{{- $roleArn -}}
{{- end -}}

{{/* Secrets: the chart's own when values carry the secret, else the named existing one. */}}
{{- define "trailstream.kafkaSecretName" -}}
{{- default (printf "%s-kafka" (include "trailstream.fullname" .)) .Values.kafka.sasl.existingSecret -}}
{{- end -}}

{{- define "trailstream.datadogSecretName" -}}
{{- default (printf "%s-datadog" (include "trailstream.fullname" .)) .Values.datadog.existingSecret -}}
{{- end -}}

{{- define "trailstream.rulesConfigMapName" -}}
{{- default (printf "%s-rules" (include "trailstream.fullname" .)) .Values.rules.existingConfigMap -}}
{{- end -}}

{{- define "trailstream.kafkaSaslMechanism" -}}
{{- $mechanism := .Values.kafka.sasl.mechanism -}}
{{- if not (has $mechanism (list "" "plain" "scram-sha-256" "scram-sha-512" "aws-msk-iam")) -}}
{{- fail (printf "kafka.sasl.mechanism=%q: expected plain, scram-sha-256, scram-sha-512 or aws-msk-iam" $mechanism) -}}
{{- else if and (eq $mechanism "aws-msk-iam") (not .Values.kafka.tls.enabled) -}}
{{- fail "kafka.sasl.mechanism=aws-msk-iam needs kafka.tls.enabled=true (MSK's IAM listener, port 9098, is TLS only)" -}}
{{- end -}}
{{- $mechanism -}}
{{- end -}}

{{/* The Kafka connection, as every process (stages, topics Job) reads it. */}}
{{- define "trailstream.kafkaEnv" -}}
{{- $mechanism := include "trailstream.kafkaSaslMechanism" . -}}
- name: KAFKA_BROKERS
  value: {{ required "kafka.brokers is required" (join "," .Values.kafka.brokers) | quote }}
- name: KAFKA_CLIENT_ID
  value: {{ .Values.kafka.clientId | quote }}
- name: KAFKA_COMPRESSION
  value: {{ .Values.kafka.compression | quote }}
- name: KAFKA_SSL
  value: {{ .Values.kafka.tls.enabled | quote }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: KAFKA_SSL_CA_FILE
  value: /etc/trailstream/kafka-ca/{{ .Values.kafka.tls.caSecret.key }}
{{- end }}
{{- if eq $mechanism "aws-msk-iam" }}
{{- /* Tokens signed with the pod's AWS credentials (IRSA: serviceAccount.awsRoleArns.<process>); no user or password. */}}
- name: KAFKA_SASL_MECHANISM
  value: "aws-msk-iam"
- name: KAFKA_AWS_REGION
  value: {{ default .Values.aws.region .Values.kafka.sasl.awsRegion | quote }}
{{- else if $mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ required "kafka.sasl.username is required with a SASL mechanism" .Values.kafka.sasl.username | quote }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "trailstream.kafkaSecretName" . }}
      key: {{ .Values.kafka.sasl.passwordKey }}
{{- end }}
{{- end -}}

{{/*
The topology every process reads the same way (the stages ensure their topics with it, the topics Job
creates them all): every topic's name, the partitions, the state topics' settings, and whether to create.
*/}}
{{- define "trailstream.topicsEnv" -}}
{{- with .Values.topics }}
- name: TOPIC_OBJECTS
  value: {{ .objects | quote }}
- name: TOPIC_RECORDS
  value: {{ .records | quote }}
- name: TOPIC_DATADOG
  value: {{ .datadog | quote }}
- name: TOPIC_DLQ
  value: {{ .dlq | quote }}
- name: TOPIC_SEEN_OBJECTS
  value: {{ .seenObjects | quote }}
- name: POLL_CHECKPOINT_TOPIC
  value: {{ .pollCheckpoints | quote }}
- name: TOPIC_DIGESTS
  value: {{ .digests | quote }}
- name: TOPIC_LOG_FILE_HASHES
  value: {{ .logFileHashes | quote }}
- name: TOPIC_INTEGRITY_CHAINS
  value: {{ .integrityChains | quote }}
- name: TOPIC_AUDIT
  value: {{ .audit | quote }}
- name: TOPIC_PARTITIONS
  value: {{ .partitions | quote }}
- name: POLL_CHECKPOINT_PARTITIONS
  value: {{ .pollCheckpointPartitions | quote }}
- name: DUPLICATE_RETENTION_HOURS
  value: {{ .duplicateRetentionHours | quote }}
- name: AUDIT_RETENTION_HOURS
  value: {{ .auditRetentionHours | quote }}
- name: CREATE_TOPICS
  value: {{ .create | quote }}
{{- end }}
{{- end -}}

{{- define "trailstream.kafkaCaVolume" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret.name }}
{{- end }}
{{- end -}}

{{- define "trailstream.kafkaCaVolumeMount" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/trailstream/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/*
The Datadog Agent's OpenMetrics check for one stage's /metrics: trailstream_emitter_delivered_total becomes
trailstream.emitter_delivered.count (the names deploy/datadog uses), tagged with the stage. The entries
match names without the raw prefix (a counter's without _total): a plain name exactly, a regular
expression by search, hence anchored. They cover every family the services register, each stage's own
(discovery_, fetcher_, filter_mapper_, emitter_, integrity_) and the shared runtime's (dead letters,
Kafka transactions, refusals and blocked partitions, the audit ledger), and leave out the Node.js process
metrics (process_*, nodejs_*; custom metrics are billed). deploy/datadog/validate.mjs checks both ways.
*/}}
{{- define "trailstream.openmetricsCheck" -}}
{{- $families := list
  "^discovery_" "^fetcher_" "^filter_mapper_" "^emitter_" "^integrity_" "^audit_"
  "dead_letters" "transaction_seconds" "kafka_refusals" "partitions_blocked" -}}
{{- $instance := dict
  "openmetrics_endpoint" "http://%%host%%:8080/metrics"
  "namespace" "trailstream"
  "raw_metric_prefix" "trailstream_"
  "metrics" $families
  "tags" (list (printf "trailstream_stage:%s" .stage))
  "min_collection_interval" .autodiscovery.collectionIntervalSeconds -}}
{{- dict "openmetrics" (dict "instances" (list $instance)) | toJson -}}
{{- end }}

{{/*
The sourceRoles a stage assumes (ctx: root, stage): a bucket's role for every AWS stage (discovery lists
it, fetcher-parser and integrity read from it), a queue's for discovery only. Each keeps its index in
.Values.sourceRoles: its external id is mounted at /etc/trailstream/source-roles/<index>/external-id.
*/}}
{{- define "trailstream.sourceRolesFor" -}}
{{- $roles := list -}}
{{- $readsBuckets := has .stage (list "discovery" "fetcher-parser" "integrity") -}}
{{- range $index, $role := .root.Values.sourceRoles -}}
{{- if or (and $role.bucket $readsBuckets) (eq $.stage "discovery") -}}
{{- $roles = append $roles (dict "index" $index "role" $role) -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "roles" $roles) -}}
{{- end -}}

{{/* SOURCE_ROLES as the stages parse it (packages/trail-bucket source-roles.ts): JSON, the external id as a file. */}}
{{- define "trailstream.sourceRolesEnv" -}}
{{- $entries := list -}}
{{- range (include "trailstream.sourceRolesFor" . | fromYaml).roles -}}
{{- $role := .role -}}
{{- $entry := dict "roleArn" $role.roleArn -}}
{{- if $role.bucket -}}
{{- $_ := set $entry "bucket" $role.bucket -}}
{{- else -}}
{{- $_ := set $entry "queueUrl" $role.queueUrl -}}
{{- end -}}
{{- if $role.externalIdSecret -}}
{{- $_ := set $entry "externalIdFile" (printf "/etc/trailstream/source-roles/%d/external-id" (int .index)) -}}
{{- end -}}
{{- with $role.sessionName }}{{ $_ := set $entry "sessionName" . }}{{ end -}}
{{- with $role.stsRegion }}{{ $_ := set $entry "stsRegion" . }}{{ end -}}
{{- with $role.durationSeconds }}{{ $_ := set $entry "durationSeconds" (int .) }}{{ end -}}
{{- $entries = append $entries $entry -}}
{{- end -}}
{{- if $entries }}
- name: SOURCE_ROLES
  value: {{ toJson $entries | quote }}
{{- end }}
{{- end -}}

{{/* The external ids of the process's source roles, from their Secrets, each at <index>/external-id. */}}
{{- define "trailstream.sourceRolesVolume" -}}
{{- $sources := list -}}
{{- range (include "trailstream.sourceRolesFor" . | fromYaml).roles -}}
{{- $index := int .index -}}
{{- with .role.externalIdSecret -}}
{{- $items := list (dict "key" .key "path" (printf "%d/external-id" $index)) -}}
{{- $sources = append $sources (dict "secret" (dict "name" .name "items" $items)) -}}
{{- end -}}
{{- end -}}
{{- if $sources }}
- name: source-roles
  projected:
    sources:
      {{- toYaml $sources | nindent 6 }}
{{- end }}
{{- end -}}

{{- define "trailstream.sourceRolesVolumeMount" -}}
{{- if (include "trailstream.sourceRolesVolume" . | trim) }}
- name: source-roles
  mountPath: /etc/trailstream/source-roles
  readOnly: true
{{- end }}
{{- end -}}
