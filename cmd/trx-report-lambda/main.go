// Command trx-report-lambda is the report function as an AWS Lambda: the
// seed's "scoring" Lambda, deployable where the seed ran it. It answers
// direct invocations and API Gateway proxy events (REST API v1 and HTTP
// API v2); see package reportlambda for the payloads and responses.
//
// Build and deploy it on the provided.al2023 runtime (arm64):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath \
//	    -o bootstrap ./cmd/trx-report-lambda
//	zip trx-report-lambda.zip bootstrap
//	aws lambda create-function --function-name trx-report \
//	    --runtime provided.al2023 --architectures arm64 --handler bootstrap \
//	    --zip-file fileb://trx-report-lambda.zip --role arn:aws:iam::ACCOUNT:role/ROLE
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/trx-platform/trx/internal/report/reportlambda"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	lambda.Start(reportlambda.NewHandler(reportlambda.Config{Log: log}))
}
