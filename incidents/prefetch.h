// Cache prefetch for the correlation engine's sweeps over a million incidents: the sweeps
// walk incidents in created_at order, which is not the order they sit in memory, so they
// ask for the memory a few steps ahead while they work on the current one.
#pragma once

#include <cstddef>

namespace steadystate::incidents {

// How many incidents ahead a sweep asks for.
inline constexpr size_t kFetchAhead = 16;

// Asks for every cache line of `object` (a hint; it never faults).
template <typename T>
void Prefetch(const T& object) {
  const auto* p = reinterpret_cast<const char*>(&object);
  for (size_t line = 0; line < sizeof(T); line += 64) __builtin_prefetch(p + line);
}

}  // namespace steadystate::incidents
