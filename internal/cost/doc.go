// Package cost checks a tap's Lambda bill from its logs: every invocation
// ends with a report of its billed duration and memory, and summing those
// with the published prices gives the compute and request charges without
// waiting for the invoice.
//
// [Read] takes a log export and returns a [Report]; [Report.Format] prints
// it as a small table.
//
// # Input
//
// Read goes through its input line by line and takes invocation reports of
// two shapes, in any mix. The first is the plain-text REPORT line Lambda
// writes at the end of every invocation when the function's log format is
// Text (fields separated by tabs in CloudWatch, by spaces in some copies;
// both are read):
//
//	REPORT RequestId: <id>	Duration: 1.23 ms	Billed Duration: 2 ms	Memory Size: 128 MB	Max Memory Used: 21 MB	Init Duration: 25.44 ms
//
// Init Duration is there on cold starts only; an "XRAY TraceId: …
// SegmentId: … Sampled: …" or "Status: timeout" tail is skipped. The line may
// be prefixed with a timestamp, a log stream name or both, as CloudWatch
// exports to S3, "aws logs tail" and "aws logs filter-log-events --output
// text" print it.
//
// The second is the platform.report event Lambda writes when the log format
// is JSON, in the schema of the Telemetry API's platform.report, with
// initDurationMs on cold starts only:
//
//	{"time":"…","type":"platform.report","record":{"requestId":"…","metrics":{"durationMs":1.23,"billedDurationMs":2,"memorySizeMB":128,"maxMemoryUsedMB":21,"initDurationMs":25.4},"status":"success"}}
//
// Either shape may also arrive wrapped in a JSON log event, in its "message"
// string, as "aws logs filter-log-events --output json", "aws logs
// get-log-events" and CloudWatch subscriptions deliver them: one event per
// line, or one pretty-printed document such as {"events":[{"timestamp":…,
// "message":"REPORT RequestId: …"}, …]} spread over many lines. Every other
// line (START, END, the function's own logs, other platform events) is
// ignored.
//
// A report whose numbers cannot be read, are negative or not finite, or are
// outside anything Lambda can produce, is counted in [Report.Malformed] and
// left out of every sum; it never stops the read. Reports are not
// deduplicated: Lambda bills a retried request again under the same request
// id, and its REPORT says so.
//
// # Billing
//
// Compute is charged per GB-second: each invocation's billed duration times
// the memory configured for it (MB/1024 GB, taken from each report, so a
// change of memory size within the export is priced right). The billed
// duration in a report is already rounded up to the millisecond, and it
// already includes the Init phase wherever Lambda bills it: always for
// custom runtimes such as provided.al2023, which datatap runs on (a cold
// start's Billed Duration is ceil(Duration + Init Duration)), and since
// 1 August 2025 for on-demand invocations of every runtime (AWS Compute
// Blog, "AWS Lambda standardizes billing for INIT Phase"). Adding
// Init Duration again would count it twice, so [Report.InitMs] is shown for
// information only and is not part of [Report.GBSeconds].
//
// Requests are charged per million. The report prices everything at one
// rate, the first tier (the cheaper tiers start at billions of GB-seconds a
// month), and does not deduct the free tier, which is shared by every
// function of the account: for a tap it is an upper bound.
package cost
