#include "actors/thread_priority.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

int nice_of_this_thread() {
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::getpriority(PRIO_PROCESS, tid);
}

} // namespace

using namespace fraud::actors;

TEST(thread_priority, lowers_only_the_calling_thread) {
  auto before = nice_of_this_thread();
  int in_thread = 0;
  std::thread t{[&] {
    set_this_thread_nice_once(before + 5);
    in_thread = nice_of_this_thread();
  }};
  t.join();
  EXPECT_EQ(in_thread, before + 5);
  EXPECT_EQ(nice_of_this_thread(), before);
}

TEST(thread_priority, applies_once_per_thread) {
  int seen = 0;
  std::thread t{[&] {
    set_this_thread_nice_once(nice_of_this_thread() + 3);
    auto first = nice_of_this_thread();
    set_this_thread_nice_once(first + 3);  // ignored: already done
    seen = nice_of_this_thread() - first;
  }};
  t.join();
  EXPECT_EQ(seen, 0);
}

TEST(thread_priority, zero_leaves_the_thread_as_it_is) {
  auto before = nice_of_this_thread();
  EXPECT_TRUE(set_this_thread_nice(0));
  EXPECT_EQ(nice_of_this_thread(), before);
}
