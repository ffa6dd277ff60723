#!/bin/bash
# LocalStack ready hook: the trail bucket, the notification queue and its policy, the bucket notification,
# then a sample trail uploaded in CloudTrail's key layout, so its notifications wait in the queue for discovery.
# The policy and notification are the production templates in deploy/aws/, filled in for LocalStack.
set -euo pipefail

export TRAIL_BUCKET="${TRAIL_BUCKET:?}" QUEUE_NAME="${TRAIL_QUEUE:?}"
templates=/trailstream/aws
sample=/trailstream/sample-trail
# The account in the sample files' names; CloudTrail puts it in the key as well.
sample_account=218007301253

render() {
  python3 -c 'import os, string, sys; sys.stdout.write(string.Template(open(sys.argv[1]).read()).substitute(os.environ))' "$1"
}

awslocal s3api create-bucket --bucket "$TRAIL_BUCKET" >/dev/null
queue_url=$(awslocal sqs create-queue --queue-name "$QUEUE_NAME" --query QueueUrl --output text)
queue_arn=$(awslocal sqs get-queue-attributes --queue-url "$queue_url" --attribute-names QueueArn \
  --query Attributes.QueueArn --output text)
# arn:<partition>:sqs:<region>:<account>:<name>: the templates' placeholders, as the emulator sees them.
IFS=: read -r _ PARTITION _ REGION ACCOUNT_ID _ <<<"$queue_arn"
export PARTITION REGION ACCOUNT_ID BUCKET_ACCOUNT_ID="$ACCOUNT_ID"

# SetQueueAttributes takes the policy as a JSON string inside the attributes JSON.
render "$templates/queue-policy.json" |
  python3 -c 'import json, sys; print(json.dumps({"Policy": json.dumps(json.load(sys.stdin))}))' >/tmp/queue-attributes.json
awslocal sqs set-queue-attributes --queue-url "$queue_url" --attributes file:///tmp/queue-attributes.json

render "$templates/bucket-notification.json" >/tmp/bucket-notification.json
awslocal s3api put-bucket-notification-configuration --bucket "$TRAIL_BUCKET" \
  --notification-configuration file:///tmp/bucket-notification.json

# CloudTrail writes gzip objects under AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/; the day is in the name.
staging=/tmp/sample-trail
rm -rf "$staging"
for file in "$sample"/*.json; do
  name=$(basename "$file")
  stamp=$(sed -E 's/^.*_CloudTrail_[a-z0-9-]+_([0-9]{4})([0-9]{2})([0-9]{2})T.*$/\1\/\2\/\3/' <<<"$name")
  region=$(sed -E 's/^.*_CloudTrail_([a-z0-9-]+)_.*$/\1/' <<<"$name")
  target="$staging/AWSLogs/$sample_account/CloudTrail/$region/$stamp"
  mkdir -p "$target"
  gzip -c "$file" >"$target/$name.gz"
done
awslocal s3 cp --recursive --quiet "$staging" "s3://$TRAIL_BUCKET/"
echo "trailstream: bucket $TRAIL_BUCKET notifies $queue_url; uploaded $(find "$staging" -name '*.json.gz' | wc -l) sample trail files"
