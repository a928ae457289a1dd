#!/bin/bash
# Runs when LocalStack is ready: the queue and bucket `AWS_ENDPOINT_URL=http://localhost:4566 npm start`
# uses (lib/local/main.ts: GATEWAY_QUEUE_NAME and GATEWAY_BUCKET, both default metrics-gateway).
# SQS allows 1 MiB messages since August 2025; set it explicitly, the default is still 256 KiB.
set -euo pipefail
QUEUE="${GATEWAY_QUEUE_NAME:-metrics-gateway}"
BUCKET="${GATEWAY_BUCKET:-metrics-gateway}"

awslocal sqs create-queue --queue-name "${QUEUE}-dlq" --attributes MaximumMessageSize=1048576,MessageRetentionPeriod=1209600 >/dev/null
DLQ_ARN=$(awslocal sqs get-queue-attributes --queue-url "$(awslocal sqs get-queue-url --queue-name "${QUEUE}-dlq" --query QueueUrl --output text)" --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name "$QUEUE" --attributes "{\"MaximumMessageSize\":\"1048576\",\"VisibilityTimeout\":\"60\",\"MessageRetentionPeriod\":\"1209600\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"${DLQ_ARN}\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\"}" >/dev/null
awslocal s3 mb "s3://${BUCKET}" >/dev/null 2>&1 || true
echo "metrics gateway: queue ${QUEUE} (MaximumMessageSize 1048576, DLQ ${QUEUE}-dlq) and bucket ${BUCKET} ready"
