// OpenTestStore: a real Store in `dir`/data, for tests. On failure it records a test
// failure naming the error and returns nullptr (callers ASSERT_NE on it).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "common/clock.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace steadystate::test_support {

inline std::unique_ptr<store::Store> OpenTestStore(const TempDir& dir, const Clock& clock) {
  store::Options options;
  options.path = dir / "data";
  auto opened = store::Store::Open(options, clock);
  if (!opened.ok()) {
    ADD_FAILURE() << opened.error().message;
    return nullptr;
  }
  return std::move(*opened);
}

}  // namespace steadystate::test_support
