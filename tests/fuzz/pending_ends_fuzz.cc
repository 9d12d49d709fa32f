// Fuzz target: the pending attack-ends journal (chaos/pending_attack_ends.h), which `attack run`
// appends to and the daemon reads at start. The input is the journal's text, written to
// DIR/pending-attack-ends.jsonl in one temporary directory; the first byte picks which
// recorded ends the fake store refuses for now (bit k: the k-th end, mod 8). Checked: what
// stays in the journal is one line for each end the store refused, and nothing else.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "chaos/pending_attack_ends.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

const std::string& JournalDir() {
  static const std::string dir = [] {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string path = base + "/steadystate-fuzz-pending-XXXXXX";
    if (mkdtemp(path.data()) == nullptr) std::abort();
    return path;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace chaos = steadystate::chaos;
  steadystate::fuzz::FuzzInput input(data, size);
  const uint8_t refuse_mask = input.TakeByte();
  const std::string text(input.Rest());
  const std::string path = chaos::PendingAttackEndsPath(JournalDir());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  int calls = 0;
  std::string refused_ids;
  auto applied = chaos::ApplyPendingAttackEnds(
      JournalDir(),
      [&](const std::string& id,
          const steadystate::chaos::AttackEnd&) -> steadystate::Result<steadystate::chaos::Attack> {
        const bool refuse = (refuse_mask >> (calls++ % 8)) & 1;
        if (refuse) {
          refused_ids += id + "\n";
          return steadystate::MakeError(steadystate::ErrorCode::kIo, "no space left");
        }
        steadystate::chaos::Attack attack;
        attack.id = id;
        attack.outcome = "completed";
        return attack;
      });
  FUZZ_CHECK(applied.ok());
  const auto refused = std::count(refused_ids.begin(), refused_ids.end(), '\n');
  FUZZ_CHECK(*applied + refused == calls);
  // The journal keeps one line per refused end, and nothing else.
  std::ifstream in(path, std::ios::binary);
  std::stringstream left;
  left << in.rdbuf();
  const std::string kept = left.str();
  FUZZ_CHECK(std::count(kept.begin(), kept.end(), '\n') == refused);
  FUZZ_CHECK(kept.empty() || kept.back() == '\n');
  return 0;
}
