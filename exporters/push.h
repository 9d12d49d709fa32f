// Pushes metrics to a Prometheus Pushgateway, for teams that run steadystate as a batch job
// (`steadystate metrics --push URL`): the job's metrics replace the previous push of the
// same grouping key, as Prometheus' own client libraries do with PUT.
//
// Why not prometheus-cpp's push library: its Gateway (1.0) sets no timeout, so a gateway
// that accepts and never answers would hang a cron job forever, and its errors are bare
// numbers. This uses the project's HttpClient (timeouts, error classes, no secrets in
// messages) with prometheus-cpp's text serializer.
#pragma once

#include <prometheus/collectable.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/result.h"

namespace steadystate::exporters {

struct PushTarget {
  std::string url;  // the gateway's base URL, e.g. http://pushgateway:9091
  std::string job = "steadystate";
  // Further grouping labels (e.g. instance), appended as /name/value path segments.
  std::map<std::string, std::string> grouping;
  Duration timeout = std::chrono::seconds(10);
};

// "URL/metrics/job/JOB[/LABEL/VALUE...]", values percent-encoded (an empty value is sent in
// the gateway's base64 form "LABEL@base64/=").
Result<std::string> PushUrl(const PushTarget& target);

// PUTs the text exposition of `collectables` to the gateway. Errors name the gateway's host
// and what it answered: "pushgateway at HOST answered 400: <its message>".
Status PushToGateway(const HttpClient& http, const PushTarget& target,
                     const std::vector<std::shared_ptr<prometheus::Collectable>>& collectables);

}  // namespace steadystate::exporters
