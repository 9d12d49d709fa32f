// The outbox on a real full disk (a small tmpfs): delivery goes on from memory, and once
// the disk has room the store catches up, so a restart neither loses a queued page nor
// sends a delivered one again. Needs CAP_SYS_ADMIN to mount; skips with the reason.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "notify/notifiers.h"
#include "notify/outbox.h"
#include "store/store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_receiver.h"
#include "tests/support/notify_alerts.h"
#include "tests/support/small_tmpfs.h"

namespace steadystate::notify {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::steadystate::notify::test_support::FiringAlert;
using ::steadystate::notify::test_support::Resolved;
using ::steadystate::test_support::FakeReceiver;
using ::steadystate::test_support::FakeResponse;

class OutboxDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!disk_.mounted()) GTEST_SKIP() << disk_.error();
    NotifierOptions options;
    options.hostname = "web-1";
    options.timeout = milliseconds(500);
    notifiers_.push_back(std::make_unique<PagerDutyNotifier>(
        "pd", pd_.url() + "/v2/enqueue", config::Secret("0123456789abcdef0123456789abcdef"), *http_,
        options));
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  // What a daemon (re)start does.
  void Open() {
    outbox_.reset();
    store_.reset();
    store::Options store_options;
    store_options.path = disk_ / "data";
    auto store = store::Store::Open(store_options, clock_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    auto outbox = Outbox::Open(*store_, clock_, registry_, notifiers_);
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(outbox).value();
  }

  // Fills the disk and uses up the WAL space RocksDB preallocated: every write fails.
  void FillDisk() {
    ASSERT_TRUE(disk_.Fill());
    const std::string ballast(64 << 10, 'b');
    for (int i = 0; i < 1000; ++i) {
      if (!store_->PutRecord(store::Family::kMeta, "test/ballast/" + std::to_string(i), ballast)
               .ok()) {
        return;
      }
    }
    FAIL() << "the full disk never refused a write";
  }

  // Frees the disk; the store's next write reopens it (at most once a second).
  void FreeDisk() {
    disk_.Free();
    clock_.Advance(seconds(2));
  }

  std::vector<std::string> Actions() const {
    std::vector<std::string> out;
    for (const auto& r : pd_.Requests()) {
      out.push_back(nlohmann::json::parse(r.body).value("event_action", ""));
    }
    return out;
  }

  steadystate::test_support::SmallTmpfs disk_{"16m"};
  FakeClock clock_;
  prometheus::Registry registry_;
  FakeReceiver pd_{FakeResponse::PagerDutyAccepted()};
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  std::vector<std::unique_ptr<Notifier>> notifiers_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Outbox> outbox_;
  const Timestamp start_ = FakeClock().Now();
};

TEST_F(OutboxDiskFullTest, AQueuedPageTheStoreRefusedIsStoredOnceTheDiskHasRoom) {
  pd_.SetDefault(FakeResponse::Status(503));  // PagerDuty is down too
  ASSERT_NO_FATAL_FAILURE(FillDisk());
  EXPECT_FALSE(outbox_->Enqueue({Notification::Kind::kTrigger, "pd", FiringAlert(start_)}).ok());
  EXPECT_EQ(outbox_->RunOnce().retried, 1);

  FreeDisk();
  outbox_->RunOnce();  // stores the page (PagerDuty still refuses it)
  const size_t refused = pd_.RequestCount();

  ASSERT_NO_FATAL_FAILURE(Open());  // a restart
  EXPECT_EQ(outbox_->size(), 1u);
  pd_.SetDefault(FakeResponse::PagerDutyAccepted());
  clock_.Advance(seconds(10));
  EXPECT_EQ(outbox_->RunOnce().sent, 1);
  EXPECT_EQ(pd_.RequestCount(), refused + 1);
  EXPECT_EQ(Actions().back(), "trigger");
}

TEST_F(OutboxDiskFullTest, APageDeliveredWhileTheDiskWasFullIsNotSentAgainAfterARestart) {
  ASSERT_TRUE(outbox_->Enqueue({Notification::Kind::kTrigger, "pd", FiringAlert(start_)}).ok());
  ASSERT_NO_FATAL_FAILURE(FillDisk());
  EXPECT_EQ(outbox_->RunOnce().sent, 1);  // delivered; its record could not be deleted

  FreeDisk();
  ASSERT_TRUE(
      outbox_->Enqueue({Notification::Kind::kResolve, "pd", Resolved(FiringAlert(start_), start_)})
          .ok());
  EXPECT_EQ(outbox_->RunOnce().sent, 1);

  ASSERT_NO_FATAL_FAILURE(Open());  // a restart
  EXPECT_EQ(outbox_->size(), 0u);
  outbox_->RunOnce();
  EXPECT_EQ(Actions(), (std::vector<std::string>{"trigger", "resolve"}));
}

}  // namespace
}  // namespace steadystate::notify
