// DNS probes: one query of a record type for a name, through the system resolver's
// nameservers (/etc/resolv.conf) or a given server, with libresolv (a server given as an
// IPv6 address is asked over a UDP socket of our own: libresolv's server list is IPv4). Blocking:
// the probe engine runs it on a worker thread, never on its libcurl loop, and enforces the timeout
// itself, so a resolver that hangs past it only delays later DNS probes, never HTTP/TCP.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/time.h"
#include "config/config.h"

namespace steadystate::collector {

struct DnsOutcome {
  bool success = false;
  std::string error_class;  // "", "dns" or "timeout"
  std::string error;
  int answers = 0;  // records of the asked type in the answer section
};

// Sends the query and waits up to `timeout` (rounded up to whole seconds, libresolv's
// unit). Thread-safe (uses its own resolver state). `clock` tells a timeout from SERVFAIL.
DnsOutcome RunDnsQuery(const config::DnsProbeConfig& config, Duration timeout, const Clock& clock);

// Pure: the number of answer records of `type` in a DNS response message. kInvalidInput if
// the message does not parse.
Result<int> CountDnsAnswers(std::span<const unsigned char> message, config::DnsRecordType type);

// The RR type number (1 for A, 28 for AAAA, ...).
int DnsTypeNumber(config::DnsRecordType type);

}  // namespace steadystate::collector
